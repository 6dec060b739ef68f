CREATE TABLE `verification_codes` (
	`user_id` text NOT NULL,
	`purpose` text NOT NULL,
	`code_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`attempts_left` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `purpose`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "verification_codes_purpose_check" CHECK("verification_codes"."purpose" in ('phone_verification', 'password_reset')),
	CONSTRAINT "verification_codes_attempts_check" CHECK("verification_codes"."attempts_left" >= 0)
);
--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verified_at` integer;