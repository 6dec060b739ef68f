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
--> statement-breakpoint
-- Funnel counters follow the facts that cause them (users, referrals, clicks), so that no
-- write path can forget one and dashboards read a handful of rows instead of scanning.
CREATE TRIGGER `users_open_accounts` AFTER INSERT ON `users`
BEGIN
  -- Every user has a wallet and referral counters from the start.
  INSERT INTO `wallets` (`user_id`) VALUES (NEW.`id`);
  INSERT INTO `referral_stats` (`user_id`) VALUES (NEW.`id`);
  INSERT INTO `daily_stats` (`day`, `signups`) VALUES (date(NEW.`created_at` / 1000, 'unixepoch'), 1)
  ON CONFLICT (`day`) DO UPDATE SET `signups` = `signups` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_count_funnel_insert` AFTER INSERT ON `referrals`
BEGIN
  INSERT INTO `daily_stats` (`day`, `referred_signups`, `qualified`)
  VALUES (date(NEW.`created_at` / 1000, 'unixepoch'), 1, NEW.`status` = 'qualified')
  ON CONFLICT (`day`) DO UPDATE SET `referred_signups` = `referred_signups` + 1,
                                    `qualified` = `qualified` + (NEW.`status` = 'qualified');
  INSERT INTO `source_stats` (`user_id`, `source`, `signups`) VALUES (NEW.`referrer_id`, NEW.`source`, 1)
  ON CONFLICT (`user_id`, `source`) DO UPDATE SET `signups` = `signups` + 1;
  INSERT INTO `daily_source_stats` (`day`, `source`, `signups`)
  VALUES (date(NEW.`created_at` / 1000, 'unixepoch'), NEW.`source`, 1)
  ON CONFLICT (`day`, `source`) DO UPDATE SET `signups` = `signups` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_count_funnel_qualified` AFTER UPDATE OF `status` ON `referrals`
WHEN NEW.`status` = 'qualified' AND OLD.`status` <> 'qualified'
BEGIN
  INSERT INTO `daily_stats` (`day`, `qualified`)
  VALUES (date(coalesce(NEW.`qualified_at`, NEW.`created_at`) / 1000, 'unixepoch'), 1)
  ON CONFLICT (`day`) DO UPDATE SET `qualified` = `qualified` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `clicks_count` AFTER INSERT ON `clicks`
BEGIN
  INSERT INTO `daily_stats` (`day`, `clicks`) VALUES (NEW.`day`, 1)
  ON CONFLICT (`day`) DO UPDATE SET `clicks` = `clicks` + 1;
  INSERT INTO `source_stats` (`user_id`, `source`, `clicks`) VALUES (NEW.`referrer_id`, NEW.`source`, 1)
  ON CONFLICT (`user_id`, `source`) DO UPDATE SET `clicks` = `clicks` + 1;
  INSERT INTO `daily_source_stats` (`day`, `source`, `clicks`) VALUES (NEW.`day`, NEW.`source`, 1)
  ON CONFLICT (`day`, `source`) DO UPDATE SET `clicks` = `clicks` + 1;
END;
