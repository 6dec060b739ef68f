PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_ledger_entries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`points` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`description` text NOT NULL,
	`referral_id` text,
	`redemption_id` text,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`referral_id`) REFERENCES `referrals`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_entries_points_check" CHECK("__new_ledger_entries"."points" <> 0),
	CONSTRAINT "ledger_entries_balance_after_check" CHECK("__new_ledger_entries"."balance_after" >= 0),
	CONSTRAINT "ledger_entries_type_check" CHECK("__new_ledger_entries"."type" in ('referral_reward', 'signup_bonus', 'tier_bonus', 'milestone_bonus', 'campaign_bonus', 'redemption', 'expiry', 'adjustment', 'reversal', 'import'))
);
--> statement-breakpoint
INSERT INTO `__new_ledger_entries`("seq", "id", "user_id", "type", "points", "balance_after", "description", "referral_id", "redemption_id", "expires_at", "created_at") SELECT "seq", "id", "user_id", "type", "points", "balance_after", "description", "referral_id", "redemption_id", "expires_at", "created_at" FROM `ledger_entries`;--> statement-breakpoint
DROP TABLE `ledger_entries`;--> statement-breakpoint
ALTER TABLE `__new_ledger_entries` RENAME TO `ledger_entries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_entries_id_unique` ON `ledger_entries` (`id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_user_seq_idx` ON `ledger_entries` (`user_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ledger_entries_user_expiry_idx` ON `ledger_entries` (`user_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_referral_idx` ON `ledger_entries` (`referral_id`);--> statement-breakpoint
-- Edited by hand: drizzle-kit recreated referral_codes for the new CHECK, which breaks the
-- triggers on users that write to it; a column with its CHECK can simply be added.
ALTER TABLE `referral_codes` ADD `kind` text DEFAULT 'code' NOT NULL CONSTRAINT "referral_codes_kind_check" CHECK(`kind` in ('code', 'legacy'));--> statement-breakpoint
ALTER TABLE `users` ADD `legacy_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `erased_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `users_legacy_id_unique` ON `users` (`legacy_id`);--> statement-breakpoint
-- Hand-written. Recreating ledger_entries (for its type CHECK) dropped its triggers: the same
-- triggers as in 0001 and 0009, with the lot consumption of 0017, unchanged.
CREATE TRIGGER `ledger_entries_no_update` BEFORE UPDATE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_no_delete` BEFORE DELETE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_apply` AFTER INSERT ON `ledger_entries`
BEGIN
  UPDATE `wallets`
     SET `balance` = `balance` + NEW.`points`,
         `lifetime_earned` = `lifetime_earned` + (CASE WHEN NEW.`points` > 0 THEN NEW.`points` ELSE 0 END),
         `lifetime_redeemed` = `lifetime_redeemed` + (CASE WHEN NEW.`type` = 'redemption' THEN -NEW.`points` ELSE 0 END)
   WHERE `user_id` = NEW.`user_id`;
  SELECT RAISE(ABORT, 'ledger balance_after does not match the wallet')
   WHERE (SELECT `balance` FROM `wallets` WHERE `user_id` = NEW.`user_id`) IS NOT NEW.`balance_after`;
  UPDATE `referral_stats`
     SET `points_earned` = `points_earned` + NEW.`points`
   WHERE `user_id` = NEW.`user_id` AND NEW.`type` = 'referral_reward';
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_open_lot` AFTER INSERT ON `ledger_entries` WHEN NEW.`points` > 0
BEGIN
  INSERT INTO `point_lots` (`ledger_entry_id`, `user_id`, `remaining`, `expires_at`)
  VALUES (NEW.`id`, NEW.`user_id`, NEW.`points`, coalesce(NEW.`expires_at`, 253402300799999));
END;
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
