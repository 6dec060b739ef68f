-- Hand-written: columns, a table and triggers for what a shop's checkout needs (issue 18,
-- items 1–4); drizzle-kit does not write triggers, backfills or seed values.
-- 1. A coupon says what it is worth: the catalog's reward carries its discount (JSON, checked
--    by the admin API), and each coupon keeps the discount it was issued with, as it keeps
--    its cost, so that a later change of the catalog does not change coupons already held.
ALTER TABLE `rewards` ADD `discount` text;
--> statement-breakpoint
ALTER TABLE `redemptions` ADD `discount` text;
--> statement-breakpoint
UPDATE `rewards` SET `discount` = json_object('type', 'percent', 'percent', 10)
 WHERE `id` = 'rwd_discount_10' AND `discount` IS NULL;
--> statement-breakpoint
UPDATE `rewards` SET `discount` = json_object('type', 'product', 'sku', 'free-product')
 WHERE `id` = 'rwd_free_product' AND `discount` IS NULL;
--> statement-breakpoint
UPDATE `redemptions` SET `discount` = (SELECT `discount` FROM `rewards` WHERE `rewards`.`id` = `redemptions`.`reward_id`)
 WHERE `coupon_code` IS NOT NULL;
--> statement-breakpoint
-- 2. Release: a used coupon goes back to issued when its order is refunded or cancelled.
--    The transition trigger now allows used → issued too, and still decides among racing
--    changes: of parallel releases one commits, the others find it issued (coupon_not_used).
--    An issued coupon has no order: the release statement keeps the order when the request
--    names another one, which this trigger refuses. Nothing comes back to an erased person.
DROP TRIGGER `redemptions_coupon_transition`;
--> statement-breakpoint
CREATE TRIGGER `redemptions_coupon_transition` BEFORE UPDATE OF `coupon_status` ON `redemptions`
BEGIN
  SELECT CASE
    WHEN NEW.`coupon_status` = 'issued' AND OLD.`coupon_status` IS NOT 'used'
      THEN RAISE(ABORT, 'coupon_not_used')
    WHEN NEW.`coupon_status` = 'issued' AND NEW.`coupon_order_id` IS NOT NULL
      THEN RAISE(ABORT, 'coupon_not_used: used on another order')
    WHEN NEW.`coupon_status` = 'issued'
         AND (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
      THEN RAISE(ABORT, 'erased_user: no coupon back for an erased user')
    WHEN NEW.`coupon_status` = 'issued' THEN NULL
    WHEN OLD.`coupon_status` = 'used' THEN RAISE(ABORT, 'coupon_already_used')
    WHEN OLD.`coupon_status` = 'void' THEN RAISE(ABORT, 'coupon_void')
    WHEN OLD.`coupon_status` IS NOT 'issued' OR NEW.`coupon_status` NOT IN ('used', 'void')
      THEN RAISE(ABORT, 'coupon status transition not allowed')
  END;
END;
--> statement-breakpoint
-- 3. Partial refunds of a spend: what was given back so far. A refund adds to it in its own
--    batch; past the spend (or below zero) the trigger aborts the batch, so parallel partial
--    refunds never give back more than was spent. Spends refunded whole before (a
--    debit_returns row) count as refunded whole.
ALTER TABLE `point_spends` ADD `refunded_points` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE `point_spends` SET `refunded_points` = `points`
 WHERE `ledger_entry_id` IN (SELECT `debit_entry_id` FROM `debit_returns`);
--> statement-breakpoint
CREATE TRIGGER `point_spends_refund_within_spend` BEFORE UPDATE OF `refunded_points` ON `point_spends`
WHEN NEW.`refunded_points` > NEW.`points` OR NEW.`refunded_points` < OLD.`refunded_points`
BEGIN
  SELECT RAISE(ABORT, 'already_refunded: a refund adds up to the spend at most');
END;
--> statement-breakpoint
-- 4. One checkout per order of a user: coupon and points for an order are one row, written
--    in the batch that uses the coupon and spends the points (both or neither).
CREATE TABLE `checkouts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`order_id` text NOT NULL,
	`coupon_code` text,
	`spend_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checkouts_user_order_unique` ON `checkouts` (`user_id`,`order_id`);
--> statement-breakpoint
CREATE TRIGGER `checkouts_not_for_erased` BEFORE INSERT ON `checkouts`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no checkout for an erased user');
END;
