CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`prefix` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash_unique` ON `api_keys` (`secret_hash`);--> statement-breakpoint
-- users is rebuilt (phone and password_hash become nullable). D1 runs a migration as one
-- transaction with foreign keys on, so the checks are deferred to its commit, and the rows
-- go back into a table named users: re-inserting each parent row is what satisfies the
-- rows that reference it (a renamed copy would leave them counted as violations).
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `users_before_0018` AS SELECT * FROM `users`;--> statement-breakpoint
DROP TABLE `users`;--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`phone` text,
	`password_hash` text,
	`role` text DEFAULT 'user' NOT NULL,
	`referral_code` text NOT NULL,
	`referral_code_created_at` integer NOT NULL,
	`referred_by_user_id` text,
	`referred_by_code` text,
	`signup_ip_hash` text,
	`signup_device_hash` text,
	`external_id` text,
	`created_at` integer NOT NULL,
	`phone_verified_at` integer,
	CONSTRAINT "users_role_check" CHECK("users"."role" in ('user', 'admin'))
);
--> statement-breakpoint
INSERT INTO `users`("id", "name", "phone", "password_hash", "role", "referral_code", "referral_code_created_at", "referred_by_user_id", "referred_by_code", "signup_ip_hash", "signup_device_hash", "external_id", "created_at", "phone_verified_at") SELECT "id", "name", "phone", "password_hash", "role", "referral_code", "referral_code_created_at", "referred_by_user_id", "referred_by_code", "signup_ip_hash", "signup_device_hash", NULL, "created_at", "phone_verified_at" FROM `users_before_0018`;--> statement-breakpoint
DROP TABLE `users_before_0018`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_phone_unique` ON `users` (`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_external_id_unique` ON `users` (`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_referral_code_unique` ON `users` (`referral_code`);--> statement-breakpoint
ALTER TABLE `redemptions` ADD `coupon_status` text;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `coupon_used_at` integer;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `coupon_order_id` text;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `voided_at` integer;--> statement-breakpoint
ALTER TABLE `redemptions` ADD `void_reason` text;--> statement-breakpoint
ALTER TABLE `rewards` ADD `duration_days` integer;--> statement-breakpoint
ALTER TABLE `unlocks` ADD `expires_at` integer;--> statement-breakpoint
-- Hand-written.
-- Rebuilding users dropped its triggers: every user still opens a wallet and counters, and
-- referral_codes stays in step with users.referral_code (as in 0013).
CREATE TRIGGER `users_open_accounts` AFTER INSERT ON `users`
BEGIN
  -- Every user has a wallet and referral counters from the start.
  INSERT INTO `wallets` (`user_id`) VALUES (NEW.`id`);
  INSERT INTO `referral_stats` (`user_id`) VALUES (NEW.`id`);
  INSERT INTO `daily_stats` (`day`, `signups`) VALUES (date(NEW.`created_at` / 1000, 'unixepoch'), 1)
  ON CONFLICT (`day`) DO UPDATE SET `signups` = `signups` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `referral_codes_on_user_insert` AFTER INSERT ON `users`
BEGIN
  INSERT INTO `referral_codes` (`normalized`, `code`, `user_id`, `status`, `created_at`)
  VALUES (upper(NEW.`referral_code`), NEW.`referral_code`, NEW.`id`, 'active', NEW.`referral_code_created_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `referral_codes_on_code_change` AFTER UPDATE OF `referral_code` ON `users`
WHEN OLD.`referral_code` IS NOT NEW.`referral_code`
BEGIN
  UPDATE `referral_codes` SET `status` = 'retired', `retired_at` = NEW.`referral_code_created_at`
   WHERE `normalized` = upper(OLD.`referral_code`) AND `user_id` = NEW.`id`;
  UPDATE `referral_codes` SET `status` = 'active', `retired_at` = NULL, `code` = NEW.`referral_code`
   WHERE `normalized` = upper(NEW.`referral_code`) AND `user_id` = NEW.`id`;
  INSERT INTO `referral_codes` (`normalized`, `code`, `user_id`, `status`, `created_at`)
  SELECT upper(NEW.`referral_code`), NEW.`referral_code`, NEW.`id`, 'active', NEW.`referral_code_created_at`
   WHERE NOT EXISTS (SELECT 1 FROM `referral_codes`
                      WHERE `normalized` = upper(NEW.`referral_code`) AND `user_id` = NEW.`id`);
END;
--> statement-breakpoint
UPDATE `redemptions` SET `coupon_status` = 'issued' WHERE `coupon_code` IS NOT NULL;
--> statement-breakpoint
-- A coupon moves once: issued → used or issued → void. Any other change aborts the batch
-- that tries it, so of racing uses (or voids) exactly one commits; the message names why.
CREATE TRIGGER `redemptions_coupon_transition` BEFORE UPDATE OF `coupon_status` ON `redemptions`
BEGIN
  SELECT CASE
    WHEN OLD.`coupon_status` = 'used' THEN RAISE(ABORT, 'coupon_already_used')
    WHEN OLD.`coupon_status` = 'void' THEN RAISE(ABORT, 'coupon_void')
    WHEN OLD.`coupon_status` IS NOT 'issued' OR NEW.`coupon_status` NOT IN ('used', 'void')
      THEN RAISE(ABORT, 'coupon status transition not allowed')
  END;
END;
--> statement-breakpoint
-- A month of premium lasts a month: the default program's milestone says so as data.
INSERT INTO `programs` (`version`, `rules`, `created_at`)
SELECT `p`.`version` + 1, json_set(`p`.`rules`, '$.milestones', (
    SELECT json_group_array(CASE
      WHEN json_extract(`m`.`value`, '$.unlock') = 'premium_1_month'
        THEN json_set(`m`.`value`, '$.durationDays', 30)
      ELSE json(`m`.`value`) END)
    FROM json_each(`p`.`rules`, '$.milestones') AS `m`)),
  CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM `programs` AS `p`
WHERE `p`.`version` = (SELECT max(`version`) FROM `programs`)
  AND EXISTS (SELECT 1 FROM json_each(`p`.`rules`, '$.milestones') AS `m`
              WHERE json_extract(`m`.`value`, '$.unlock') = 'premium_1_month'
                AND json_extract(`m`.`value`, '$.durationDays') IS NULL);
