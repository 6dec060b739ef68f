CREATE TABLE `clicks` (
	`id` text PRIMARY KEY NOT NULL,
	`referrer_id` text NOT NULL,
	`code` text NOT NULL,
	`source` text NOT NULL,
	`invite_id` text,
	`day` text NOT NULL,
	`ip_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`referrer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `clicks_referrer_idx` ON `clicks` (`referrer_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `daily_source_stats` (
	`day` text NOT NULL,
	`source` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `source`)
);
--> statement-breakpoint
CREATE TABLE `daily_stats` (
	`day` text PRIMARY KEY NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`referred_signups` integer DEFAULT 0 NOT NULL,
	`qualified` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `invites` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`recipient` text NOT NULL,
	`message` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`locked_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`clicked_at` integer,
	`joined_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invites_channel_check" CHECK("invites"."channel" in ('email', 'sms')),
	CONSTRAINT "invites_status_check" CHECK("invites"."status" in ('queued', 'sent', 'failed', 'joined'))
);
--> statement-breakpoint
CREATE INDEX `invites_user_idx` ON `invites` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `invites_recipient_idx` ON `invites` (`user_id`,`recipient`,`created_at`);--> statement-breakpoint
CREATE INDEX `invites_due_idx` ON `invites` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `leaderboard_entries` (
	`period` text NOT NULL,
	`user_id` text NOT NULL,
	`referrals` integer NOT NULL,
	`reached_at` integer NOT NULL,
	PRIMARY KEY(`period`, `user_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `leaderboard_entries_rank_idx` ON `leaderboard_entries` (`period`,"referrals" desc,`reached_at`);--> statement-breakpoint
CREATE TABLE `leaderboard_histogram` (
	`period` text NOT NULL,
	`referrals` integer NOT NULL,
	`users` integer NOT NULL,
	PRIMARY KEY(`period`, `referrals`)
);
--> statement-breakpoint
CREATE TABLE `source_stats` (
	`user_id` text NOT NULL,
	`source` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `source`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `referrals` ADD `invite_id` text;--> statement-breakpoint
CREATE INDEX `referrals_created_idx` ON `referrals` (`created_at`);