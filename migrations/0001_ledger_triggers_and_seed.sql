-- Hand-written: what drizzle-kit does not generate. Triggers keep derived numbers in the
-- database itself, so no application code path can forget them or edit them in place.

-- The ledger is append-only: corrections are new entries (reversal, adjustment).
CREATE TRIGGER `ledger_entries_no_update` BEFORE UPDATE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_no_delete` BEFORE DELETE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
--> statement-breakpoint
-- A wallet is the running sum of its ledger. wallets_balance_check (balance >= 0) makes an
-- overspending insert fail, and with it the whole D1 batch it belongs to.
CREATE TRIGGER `ledger_entries_apply` AFTER INSERT ON `ledger_entries`
BEGIN
  UPDATE `wallets`
     SET `balance` = `balance` + NEW.`points`,
         `lifetime_earned` = `lifetime_earned` + (CASE WHEN NEW.`points` > 0 THEN NEW.`points` ELSE 0 END),
         `lifetime_redeemed` = `lifetime_redeemed` + (CASE WHEN NEW.`type` = 'redemption' THEN -NEW.`points` ELSE 0 END)
   WHERE `user_id` = NEW.`user_id`;
  SELECT RAISE(ABORT, 'ledger balance_after does not match the wallet')
   WHERE (SELECT `balance` FROM `wallets` WHERE `user_id` = NEW.`user_id`) IS NOT NEW.`balance_after`;
  UPDATE `referral_stats`
     SET `points_earned` = `points_earned` + NEW.`points`
   WHERE `user_id` = NEW.`user_id` AND NEW.`type` = 'referral_reward';
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_count_insert` AFTER INSERT ON `referrals`
BEGIN
  UPDATE `referral_stats`
     SET `total` = `total` + 1,
         `pending` = `pending` + (NEW.`status` = 'pending'),
         `qualified` = `qualified` + (NEW.`status` = 'qualified'),
         `held` = `held` + (NEW.`status` = 'held'),
         `rejected` = `rejected` + (NEW.`status` = 'rejected')
   WHERE `user_id` = NEW.`referrer_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `referrals_count_status` AFTER UPDATE OF `status` ON `referrals`
WHEN OLD.`status` <> NEW.`status`
BEGIN
  UPDATE `referral_stats`
     SET `pending` = `pending` + (NEW.`status` = 'pending') - (OLD.`status` = 'pending'),
         `qualified` = `qualified` + (NEW.`status` = 'qualified') - (OLD.`status` = 'qualified'),
         `held` = `held` + (NEW.`status` = 'held') - (OLD.`status` = 'held'),
         `rejected` = `rejected` + (NEW.`status` = 'rejected') - (OLD.`status` = 'rejected')
   WHERE `user_id` = NEW.`referrer_id`;
END;
--> statement-breakpoint
-- The default program (API.md, "The default program"); validated by src/program/rules.ts.
INSERT INTO `programs` (`version`, `rules`, `created_at`) VALUES (1, '{"refereeBonus":20,"referrerTiers":[{"fromReferral":1,"points":50},{"fromReferral":4,"points":100},{"fromReferral":11,"points":150}],"qualification":"signup","pointsExpiryDays":365,"codeExpiryDays":null}', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
--> statement-breakpoint
INSERT INTO `rewards` (`id`, `name`, `description`, `cost`, `kind`, `active`, `created_at`) VALUES
  ('rwd_discount_10', '10% discount', 'A coupon for 10% off your next order.', 100, 'coupon', 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
  ('rwd_free_product', 'Free product', 'A coupon for one free product.', 300, 'coupon', 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
  ('rwd_lifetime_premium', 'Lifetime premium', 'Premium features, for good.', 1000, 'unlock', 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
