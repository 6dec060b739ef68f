CREATE TABLE `rate_limit_counters` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_counters_expires_idx` ON `rate_limit_counters` (`expires_at`);--> statement-breakpoint
CREATE TABLE `referral_codes` (
	`normalized` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "referral_codes_status_check" CHECK("referral_codes"."status" in ('active', 'retired')),
	CONSTRAINT "referral_codes_retired_at_check" CHECK(("referral_codes"."status" = 'retired') = ("referral_codes"."retired_at" is not null))
);
--> statement-breakpoint
CREATE INDEX `referral_codes_user_idx` ON `referral_codes` (`user_id`);--> statement-breakpoint
-- Hand-written.
-- A new user's code joins referral_codes; a code that someone holds or once held fails its key.
CREATE TRIGGER `referral_codes_on_user_insert` AFTER INSERT ON `users`
BEGIN
  INSERT INTO `referral_codes` (`normalized`, `code`, `user_id`, `status`, `created_at`)
  VALUES (upper(NEW.`referral_code`), NEW.`referral_code`, NEW.`id`, 'active', NEW.`referral_code_created_at`);
END;
--> statement-breakpoint
-- A changed code: the old one is retired (still the owner's), the new one becomes active.
-- Taking back one's own retired code reactivates it; a code another user holds or held
-- fails the primary key, and the whole change with it.
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
INSERT INTO `referral_codes` (`normalized`, `code`, `user_id`, `status`, `created_at`)
SELECT upper(`referral_code`), `referral_code`, `id`, 'active', `referral_code_created_at` FROM `users`;
--> statement-breakpoint
-- Codes users held before, known from the referrals made with them, stay reserved to them
-- (the first user to have referred with a code keeps it).
INSERT OR IGNORE INTO `referral_codes` (`normalized`, `code`, `user_id`, `status`, `created_at`, `retired_at`)
SELECT upper(r.`code`), r.`code`, r.`referrer_id`, 'retired', min(r.`created_at`), u.`referral_code_created_at`
  FROM `referrals` r JOIN `users` u ON u.`id` = r.`referrer_id`
 GROUP BY upper(r.`code`), r.`referrer_id`
 ORDER BY min(r.`created_at`);
