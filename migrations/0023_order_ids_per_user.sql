-- Hand-written.
-- An order id is the shop's id of one of the user's orders, not unique across the shop's
-- users: another user's spend with the same order id was refused as order_already_spent.
-- An order is paid with points once per user (src/wallet/spends.ts).
DROP INDEX `point_spends_order_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `point_spends_user_order_unique` ON `point_spends` (`user_id`,`order_id`);
