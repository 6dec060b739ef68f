-- Hand-written. A referral's tier now follows the order in which referrals qualify: a
-- waiting referral shows (and counts as pending) what it pays if the referrals waiting
-- ahead of it qualify first, and its qualification writes what its qualified place pays
-- in the same UPDATE as its status. The pending points it added on insert are the ones to
-- take away when it is decided, so the trigger subtracts the OLD points, not the NEW ones.
-- Referrals left pending by the signup-order rule need no change: their points are what
-- that rule showed and counted as pending, and their qualification replaces them.
DROP TRIGGER `referrals_pending_points_decided`;--> statement-breakpoint
CREATE TRIGGER `referrals_pending_points_decided` AFTER UPDATE OF `status` ON `referrals`
WHEN OLD.`status` IN ('pending', 'held') AND NEW.`status` NOT IN ('pending', 'held')
BEGIN
  UPDATE `referral_stats` SET `pending_points` = `pending_points` - OLD.`referrer_points`
   WHERE `user_id` = OLD.`referrer_id`;
  UPDATE `referral_stats` SET `pending_points` = `pending_points` - OLD.`referee_points`
   WHERE `user_id` = OLD.`referee_id`;
END;
