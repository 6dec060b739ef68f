-- The block list, the points budget counters and what a hold matched, as drizzle-kit
-- generates them from src/db/schema.ts; by hand, the trigger: a pending referral may now be
-- held (its qualifying event came past the budget).
CREATE TABLE `blocklist_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`action` text NOT NULL,
	`note` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "blocklist_entries_type_check" CHECK("blocklist_entries"."type" in ('phone_prefix', 'country', 'ip', 'device')),
	CONSTRAINT "blocklist_entries_action_check" CHECK("blocklist_entries"."action" in ('refuse', 'hold'))
);
--> statement-breakpoint
CREATE TABLE `points_budget_usage` (
	`period` text PRIMARY KEY NOT NULL,
	`points` integer DEFAULT 0 NOT NULL,
	`budget` integer,
	CONSTRAINT "points_budget_usage_within_budget" CHECK("points_budget_usage"."budget" is null or "points_budget_usage"."points" <= "points_budget_usage"."budget")
);
--> statement-breakpoint
ALTER TABLE `referrals` ADD `reason_details` text;
--> statement-breakpoint
-- As in 0008, plus pending → held: a referral whose qualifying event comes when the points
-- budget is spent waits for review (budget_exhausted) instead of paying.
DROP TRIGGER `referrals_status_transitions`;
--> statement-breakpoint
CREATE TRIGGER `referrals_status_transitions` BEFORE UPDATE OF `status` ON `referrals`
WHEN NOT (
  (OLD.`status` IN ('pending', 'held') AND NEW.`status` IN ('qualified', 'rejected', 'pending', 'held'))
  OR (OLD.`status` = 'qualified' AND NEW.`status` = 'rejected')
)
BEGIN
  SELECT RAISE(ABORT, 'referral status transition not allowed');
END;
