CREATE TABLE `debit_returns` (
	`debit_entry_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`points` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `lot_consumptions` (
	`debit_entry_id` text NOT NULL,
	`lot_entry_id` text NOT NULL,
	`user_id` text NOT NULL,
	`points` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`debit_entry_id`, `lot_entry_id`),
	CONSTRAINT "lot_consumptions_points_check" CHECK("lot_consumptions"."points" > 0)
);
--> statement-breakpoint
CREATE TABLE `point_spends` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`order_id` text NOT NULL,
	`points` integer NOT NULL,
	`description` text NOT NULL,
	`ledger_entry_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "point_spends_points_check" CHECK("point_spends"."points" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `point_spends_order_unique` ON `point_spends` (`order_id`);--> statement-breakpoint
CREATE INDEX `point_spends_user_idx` ON `point_spends` (`user_id`,`id`);--> statement-breakpoint
DROP INDEX `point_lots_spending_order_idx`;--> statement-breakpoint
DROP INDEX `point_lots_expiry_idx`;--> statement-breakpoint
CREATE INDEX `point_lots_spending_order_idx` ON `point_lots` (`user_id`,`expires_at`,`ledger_entry_id`) WHERE "point_lots"."remaining" > 0;--> statement-breakpoint
CREATE INDEX `point_lots_expiry_idx` ON `point_lots` (`expires_at`) WHERE "point_lots"."remaining" > 0;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `lock_token` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Hand-written. A debit consumes lots by walking them in spending order (expiry, then id)
-- one index seek at a time and stopping once it is covered, so it reads only the lots it
-- takes from, however many the user holds. "Now" is the debit's own `created_at`: an
-- `expiry` entry consumes exactly the lots expired by then, every other debit only the lots
-- still alive then, and aborts (insufficient_points) when those do not cover it, so points
-- past their expiry are never spent even before the hourly job sweeps them. What the debit
-- took from each lot is recorded in lot_consumptions in the same statement. Exhausted
-- lots stay (at 0) but leave the partial indexes, so no later walk reads them.
DROP TRIGGER `ledger_entries_consume_lots`;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_consume_lots` AFTER INSERT ON `ledger_entries` WHEN NEW.`points` < 0
BEGIN
  -- The walk: each step seeks the next lot after the previous one; a step that finds none
  -- while the debit is not covered yields a row without a lot, which aborts the debit.
  INSERT INTO `lot_consumptions` (`debit_entry_id`, `lot_entry_id`, `user_id`, `points`, `expires_at`)
  SELECT NEW.`id`, `lot`, NEW.`user_id`,
         CASE WHEN `lot` IS NULL
              THEN RAISE(ABORT, 'insufficient_points: the unexpired points do not cover this debit')
              ELSE `taken` END,
         `expires_at`
    FROM (
      WITH RECURSIVE `walk` (`lot`, `expires_at`, `taken`, `covered`) AS (
        SELECT l.`ledger_entry_id`, l.`expires_at`, min(l.`remaining`, -NEW.`points`),
               coalesce(min(l.`remaining`, -NEW.`points`), 0)
          FROM (SELECT 1) LEFT JOIN `point_lots` l ON l.`rowid` = (
            SELECT n.`rowid` FROM `point_lots` n
             WHERE n.`user_id` = NEW.`user_id` AND n.`remaining` > 0
               AND n.`expires_at` > (CASE WHEN NEW.`type` = 'expiry' THEN -1 ELSE NEW.`created_at` END)
               AND n.`expires_at` <= (CASE WHEN NEW.`type` = 'expiry' THEN NEW.`created_at` ELSE 253402300799999 END)
             ORDER BY n.`expires_at`, n.`ledger_entry_id` LIMIT 1)
        UNION ALL
        SELECT l.`ledger_entry_id`, l.`expires_at`,
               min(l.`remaining`, -NEW.`points` - w.`covered`),
               w.`covered` + min(l.`remaining`, -NEW.`points` - w.`covered`)
          FROM `walk` w LEFT JOIN `point_lots` l ON l.`rowid` = (
            SELECT n.`rowid` FROM `point_lots` n
             WHERE n.`user_id` = NEW.`user_id` AND n.`remaining` > 0 AND (n.`expires_at`, n.`ledger_entry_id`) > (w.`expires_at`, w.`lot`)
               AND n.`expires_at` <= (CASE WHEN NEW.`type` = 'expiry' THEN NEW.`created_at` ELSE 253402300799999 END)
             ORDER BY n.`expires_at`, n.`ledger_entry_id` LIMIT 1)
         WHERE w.`lot` IS NOT NULL AND w.`covered` < -NEW.`points`
      )
      SELECT `lot`, `expires_at`, `taken` FROM `walk`
    );
  UPDATE `point_lots` SET `remaining` = `remaining` - c.`points`
    FROM `lot_consumptions` c
   WHERE c.`debit_entry_id` = NEW.`id` AND `point_lots`.`ledger_entry_id` = c.`lot_entry_id`;
END;
--> statement-breakpoint
-- What a debit consumed is history, like the ledger it explains.
CREATE TRIGGER `lot_consumptions_no_change` BEFORE UPDATE ON `lot_consumptions`
BEGIN
  SELECT RAISE(ABORT, 'lot_consumptions is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `lot_consumptions_no_delete` BEFORE DELETE ON `lot_consumptions`
BEGIN
  SELECT RAISE(ABORT, 'lot_consumptions is append-only');
END;
--> statement-breakpoint
-- A key is completed only by the request that holds its lock: one whose lock was taken
-- over by a retry (after LOCK_MS) fails its whole batch instead of completing it too.
CREATE TRIGGER `idempotency_keys_completed_by_owner` BEFORE UPDATE ON `idempotency_keys`
WHEN NEW.`resource_id` IS NOT NULL AND NEW.`lock_token` IS NOT OLD.`lock_token`
BEGIN
  SELECT RAISE(ABORT, 'idempotency_key_taken_over');
END;
--> statement-breakpoint
-- A debit is given back whole and as it was taken: the return's points are what the
-- debit's own lots consumption says, for its own user.
CREATE TRIGGER `debit_returns_exact` BEFORE INSERT ON `debit_returns`
WHEN NEW.`points` IS NOT (SELECT sum(`points`) FROM `lot_consumptions`
                          WHERE `debit_entry_id` = NEW.`debit_entry_id` AND `user_id` = NEW.`user_id`)
BEGIN
  SELECT RAISE(ABORT, 'debit_returns must return exactly what the debit took');
END;
