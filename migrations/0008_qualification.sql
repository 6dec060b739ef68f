CREATE TABLE `events` (
	`external_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`user_id` text NOT NULL,
	`amount` integer,
	`referral_ids` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_user_idx` ON `events` (`user_id`,`type`);--> statement-breakpoint
ALTER TABLE `referrals` ADD `qualified_ordinal` integer;--> statement-breakpoint
ALTER TABLE `referrals` ADD `reasons` text;--> statement-breakpoint
ALTER TABLE `referrals` ADD `uncollected_points` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `referrals_referrer_qualified_ordinal_unique` ON `referrals` (`referrer_id`,`qualified_ordinal`);--> statement-breakpoint
CREATE INDEX `referrals_status_idx` ON `referrals` (`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `signup_ip_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `signup_device_hash` text;--> statement-breakpoint
-- Referrals qualified so far did so at signup, in ordinal order.
UPDATE `referrals` SET `qualified_ordinal` = `ordinal` WHERE `status` = 'qualified';
--> statement-breakpoint
-- A referral's status only moves forward: pending/held → qualified/rejected (held → pending
-- on approval in event mode), and qualified → rejected when a refund reverses it. Anything
-- else (a second qualification, reviving a rejected one) aborts the batch it is in.
CREATE TRIGGER `referrals_status_transitions` BEFORE UPDATE OF `status` ON `referrals`
WHEN NOT (
  (OLD.`status` IN ('pending', 'held') AND NEW.`status` IN ('qualified', 'rejected', 'pending'))
  OR (OLD.`status` = 'qualified' AND NEW.`status` = 'rejected')
)
BEGIN
  SELECT RAISE(ABORT, 'referral status transition not allowed');
END;
--> statement-breakpoint
-- Program version 3: version 2 plus the refund window and per-referrer velocity caps.
INSERT INTO `programs` (`version`, `rules`, `created_at`)
SELECT 3, json_set(`rules`, '$.holdDays', 14, '$.caps', json('{"perDay":25,"perMonth":200}')),
  CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM `programs` WHERE `version` = 2;
