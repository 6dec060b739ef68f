-- drizzle-kit generate wrote the statements (src/db/schema.ts); by hand: the locale CHECK and the
-- default catalog's labels. Columns added in place (no table rebuild, so no trigger is dropped) for
-- languages and notifications (issue 16): each user's language and notification choice,
-- the admins' own message texts, the invite outbox carrying notifications as well, and
-- where a bounded scheduled job (the points-expiring notices) stopped.
ALTER TABLE `users` ADD `locale` text DEFAULT 'en' NOT NULL CHECK (`locale` in ('en', 'ur', 'hi'));--> statement-breakpoint
ALTER TABLE `users` ADD `notifications` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `rewards` ADD `labels` text;--> statement-breakpoint
-- The default catalog's names in every language (an admin's own rewards get theirs in the API).
UPDATE `rewards` SET `labels` = '{"en":"10% discount","ur":"10% رعایت","hi":"10% छूट"}' WHERE `id` = 'rwd_discount_10' AND `labels` IS NULL;--> statement-breakpoint
UPDATE `rewards` SET `labels` = '{"en":"Free product","ur":"مفت پروڈکٹ","hi":"मुफ़्त प्रोडक्ट"}' WHERE `id` = 'rwd_free_product' AND `labels` IS NULL;--> statement-breakpoint
UPDATE `rewards` SET `labels` = '{"en":"Lifetime premium","ur":"تاحیات پریمیم","hi":"आजीवन प्रीमियम"}' WHERE `id` = 'rwd_lifetime_premium' AND `labels` IS NULL;--> statement-breakpoint
CREATE TABLE `message_texts` (
	`kind` text NOT NULL,
	`locale` text NOT NULL,
	`text` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	PRIMARY KEY(`kind`, `locale`),
	CONSTRAINT "message_texts_locale_check" CHECK("message_texts"."locale" in ('en', 'ur', 'hi'))
);--> statement-breakpoint
ALTER TABLE `invites` ADD `purpose` text DEFAULT 'invite' NOT NULL;--> statement-breakpoint
ALTER TABLE `invites` ADD `locale` text;--> statement-breakpoint
ALTER TABLE `invites` ADD `params` text;--> statement-breakpoint
ALTER TABLE `invites` ADD `once_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `invites_once_unique` ON `invites` (`user_id`,`once_key`);--> statement-breakpoint
CREATE TABLE `job_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`position` text NOT NULL
);
