-- Hand-written. The leaderboard histogram (users per referral count) follows its entries,
-- so that "my rank" is a sum over distinct counts rather than a scan of every user.
CREATE TRIGGER `leaderboard_entries_histogram_insert` AFTER INSERT ON `leaderboard_entries`
BEGIN
  INSERT INTO `leaderboard_histogram` (`period`, `referrals`, `users`)
  VALUES (NEW.`period`, NEW.`referrals`, 1)
  ON CONFLICT (`period`, `referrals`) DO UPDATE SET `users` = `users` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `leaderboard_entries_histogram_update` AFTER UPDATE OF `referrals`, `period` ON `leaderboard_entries`
WHEN OLD.`referrals` <> NEW.`referrals` OR OLD.`period` <> NEW.`period`
BEGIN
  UPDATE `leaderboard_histogram` SET `users` = `users` - 1
   WHERE `period` = OLD.`period` AND `referrals` = OLD.`referrals`;
  DELETE FROM `leaderboard_histogram`
   WHERE `period` = OLD.`period` AND `referrals` = OLD.`referrals` AND `users` = 0;
  INSERT INTO `leaderboard_histogram` (`period`, `referrals`, `users`)
  VALUES (NEW.`period`, NEW.`referrals`, 1)
  ON CONFLICT (`period`, `referrals`) DO UPDATE SET `users` = `users` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `leaderboard_entries_histogram_delete` AFTER DELETE ON `leaderboard_entries`
BEGIN
  UPDATE `leaderboard_histogram` SET `users` = `users` - 1
   WHERE `period` = OLD.`period` AND `referrals` = OLD.`referrals`;
  DELETE FROM `leaderboard_histogram`
   WHERE `period` = OLD.`period` AND `referrals` = OLD.`referrals` AND `users` = 0;
END;
--> statement-breakpoint
-- Program version 2: version 1 plus the default milestones and badges of the contract.
INSERT INTO `programs` (`version`, `rules`, `created_at`)
SELECT 2, json_set(`rules`,
  '$.milestones', json('[{"referrals":5,"unlock":"free_theme","bonusPoints":0},{"referrals":20,"unlock":"premium_1_month","bonusPoints":0}]'),
  '$.badges', json('[{"name":"Bronze","referrals":5},{"name":"Silver","referrals":20},{"name":"Gold","referrals":50}]')),
  CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM `programs` WHERE `version` = 1;
