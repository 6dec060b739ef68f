ALTER TABLE `referral_stats` ADD `pending_points` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written. A referral's points are pending for both sides while it waits for its
-- qualifying event or a review, and stop being pending once it is decided either way.
CREATE TRIGGER `referrals_pending_points_insert` AFTER INSERT ON `referrals`
WHEN NEW.`status` IN ('pending', 'held')
BEGIN
  UPDATE `referral_stats` SET `pending_points` = `pending_points` + NEW.`referrer_points`
   WHERE `user_id` = NEW.`referrer_id`;
  UPDATE `referral_stats` SET `pending_points` = `pending_points` + NEW.`referee_points`
   WHERE `user_id` = NEW.`referee_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_pending_points_decided` AFTER UPDATE OF `status` ON `referrals`
WHEN OLD.`status` IN ('pending', 'held') AND NEW.`status` NOT IN ('pending', 'held')
BEGIN
  UPDATE `referral_stats` SET `pending_points` = `pending_points` - NEW.`referrer_points`
   WHERE `user_id` = NEW.`referrer_id`;
  UPDATE `referral_stats` SET `pending_points` = `pending_points` - NEW.`referee_points`
   WHERE `user_id` = NEW.`referee_id`;
END;
--> statement-breakpoint
UPDATE `referral_stats` SET `pending_points` =
  coalesce((SELECT sum(`referrer_points`) FROM `referrals` r
             WHERE r.`referrer_id` = `referral_stats`.`user_id` AND r.`status` IN ('pending', 'held')), 0)
  + coalesce((SELECT sum(`referee_points`) FROM `referrals` r
             WHERE r.`referee_id` = `referral_stats`.`user_id` AND r.`status` IN ('pending', 'held')), 0);
