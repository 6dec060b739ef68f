CREATE TABLE `campaign_awards` (
	`campaign_id` text NOT NULL,
	`user_id` text NOT NULL,
	`referral_id` text NOT NULL,
	`awarded_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `user_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`goal_referrals` integer NOT NULL,
	`window_days` integer NOT NULL,
	`bonus_points` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "campaigns_window_check" CHECK("campaigns"."ends_at" > "campaigns"."starts_at"),
	CONSTRAINT "campaigns_goal_check" CHECK("campaigns"."goal_referrals" >= 1 and "campaigns"."window_days" >= 1 and "campaigns"."bonus_points" >= 1)
);
--> statement-breakpoint
CREATE INDEX `campaigns_window_idx` ON `campaigns` (`ends_at`);--> statement-breakpoint
CREATE INDEX `referrals_referrer_qualified_idx` ON `referrals` (`referrer_id`,`qualified_at`);