-- Hand-written: triggers only (drizzle-kit does not write triggers). An erased user is gone:
-- nothing new is written for them, also by a request that read the user before the erasure
-- committed and writes after it. Each trigger refuses the insert (or the change of the user
-- row) with a message starting `erased_user:`, which aborts the whole batch; the Worker
-- answers it as 404 not_found in one place (src/app.ts). What keeps the books of other users
-- exact still works: a referrer's credits taken back after a refund (negative `reversal`),
-- the expiry job (`expiry`), counters and leaderboards (updates, not inserts here).
CREATE TRIGGER `users_erased_frozen` BEFORE UPDATE ON `users` WHEN OLD.`erased_at` IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: an erased user row does not change');
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_not_for_erased` BEFORE INSERT ON `sessions`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no session for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `verification_codes_not_for_erased` BEFORE INSERT ON `verification_codes`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no verification code for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `referral_codes_not_for_erased` BEFORE INSERT ON `referral_codes`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no referral code for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_not_for_erased` BEFORE INSERT ON `referrals`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`referrer_id`) IS NOT NULL
  OR (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`referee_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no referral of an erased user');
END;
--> statement-breakpoint
-- Only what takes back: the expiry of their points and a reversal of a referral's credits.
CREATE TRIGGER `ledger_entries_not_for_erased` BEFORE INSERT ON `ledger_entries`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
  AND NOT (NEW.`type` = 'expiry' OR (NEW.`type` = 'reversal' AND NEW.`points` < 0))
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no credit or spend for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `redemptions_not_for_erased` BEFORE INSERT ON `redemptions`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no redemption for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `point_spends_not_for_erased` BEFORE INSERT ON `point_spends`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no spend for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `invites_not_for_erased` BEFORE INSERT ON `invites`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no invite from an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `unlocks_not_for_erased` BEFORE INSERT ON `unlocks`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no unlock for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `campaign_awards_not_for_erased` BEFORE INSERT ON `campaign_awards`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no campaign award for an erased user');
END;
--> statement-breakpoint
CREATE TRIGGER `events_not_for_erased` BEFORE INSERT ON `events`
WHEN (SELECT `erased_at` FROM `users` WHERE `id` = NEW.`user_id`) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'erased_user: no event of an erased user');
END;
