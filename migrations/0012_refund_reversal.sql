ALTER TABLE `events` ADD `request_hash` text;--> statement-breakpoint
ALTER TABLE `referrals` ADD `qualified_by_event` text;--> statement-breakpoint
CREATE INDEX `ledger_entries_referral_idx` ON `ledger_entries` (`referral_id`);--> statement-breakpoint
-- Hand-written. A reversed referral's reward no longer counts as earned from referrals:
-- pointsEarned follows the referral itself, whether or not the points could be taken back.
CREATE TRIGGER `referrals_reversed_points_earned` AFTER UPDATE OF `status` ON `referrals`
WHEN OLD.`status` = 'qualified' AND NEW.`status` = 'rejected'
BEGIN
  UPDATE `referral_stats` SET `points_earned` = `points_earned` - NEW.`referrer_points`
   WHERE `user_id` = NEW.`referrer_id`;
END;
--> statement-breakpoint
-- Referrals reversed before this migration (rejected after they had qualified).
UPDATE `referral_stats` SET `points_earned` = `points_earned` -
  coalesce((SELECT sum(r.`referrer_points`) FROM `referrals` r
             WHERE r.`referrer_id` = `referral_stats`.`user_id` AND r.`status` = 'rejected'
               AND r.`qualified_at` IS NOT NULL), 0);
--> statement-breakpoint
-- The event that qualified each referral so far, from the events that recorded it.
UPDATE `referrals` SET `qualified_by_event` = (
  SELECT e.`external_id` FROM `events` e, json_each(e.`referral_ids`) j
   WHERE j.`value` = `referrals`.`id` AND e.`type` <> 'refund' LIMIT 1)
 WHERE `qualified_at` IS NOT NULL;
