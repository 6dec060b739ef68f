CREATE TABLE `point_lots` (
	`ledger_entry_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`remaining` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "point_lots_remaining_check" CHECK("point_lots"."remaining" >= 0)
);
--> statement-breakpoint
CREATE INDEX `point_lots_spending_order_idx` ON `point_lots` (`user_id`,`expires_at`,`ledger_entry_id`);--> statement-breakpoint
CREATE INDEX `point_lots_expiry_idx` ON `point_lots` (`expires_at`);--> statement-breakpoint
-- Hand-written. A credit opens a lot; a debit (redemption, reversal, expiry, adjustment)
-- consumes the user's lots in order of expiry — reading only as many as it needs, at most
-- one per point — and exhausted lots are removed. The lots of a user sum to their balance.
CREATE TRIGGER `ledger_entries_open_lot` AFTER INSERT ON `ledger_entries` WHEN NEW.`points` > 0
BEGIN
  INSERT INTO `point_lots` (`ledger_entry_id`, `user_id`, `remaining`, `expires_at`)
  VALUES (NEW.`id`, NEW.`user_id`, NEW.`points`, coalesce(NEW.`expires_at`, 253402300799999));
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_consume_lots` AFTER INSERT ON `ledger_entries` WHEN NEW.`points` < 0
BEGIN
  UPDATE `point_lots`
     SET `remaining` = `remaining` - min(`remaining`, max(0, -NEW.`points` - spending.`before`))
    FROM (
      SELECT `ledger_entry_id` AS `lot`,
             coalesce(sum(`remaining`) OVER (ORDER BY `expires_at`, `ledger_entry_id`
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS `before`
        FROM (SELECT `ledger_entry_id`, `remaining`, `expires_at` FROM `point_lots`
               WHERE `user_id` = NEW.`user_id`
               ORDER BY `expires_at`, `ledger_entry_id` LIMIT -NEW.`points`)
    ) AS spending
   WHERE `point_lots`.`ledger_entry_id` = spending.`lot` AND spending.`before` < -NEW.`points`;
  -- Exhausted lots are always at the front of the spending order: look only there.
  DELETE FROM `point_lots`
   WHERE `ledger_entry_id` IN (SELECT `ledger_entry_id` FROM `point_lots` WHERE `user_id` = NEW.`user_id`
                                ORDER BY `expires_at`, `ledger_entry_id` LIMIT -NEW.`points`)
     AND `remaining` = 0;
END;
--> statement-breakpoint
-- Lots for the points users hold today: their credits, less their debits spent first-expiring-first.
INSERT INTO `point_lots` (`ledger_entry_id`, `user_id`, `remaining`, `expires_at`)
SELECT `id`, `user_id`, min(`points`, `cumulative` - `spent`), `expires_at`
  FROM (
    SELECT c.`id`, c.`user_id`, c.`points`, coalesce(c.`expires_at`, 253402300799999) AS `expires_at`,
           sum(c.`points`) OVER (PARTITION BY c.`user_id`
             ORDER BY coalesce(c.`expires_at`, 253402300799999), c.`id`) AS `cumulative`,
           (SELECT coalesce(-sum(d.`points`), 0) FROM `ledger_entries` d
             WHERE d.`user_id` = c.`user_id` AND d.`points` < 0) AS `spent`
      FROM `ledger_entries` c WHERE c.`points` > 0
  )
 WHERE `cumulative` - `spent` > 0;
