/**
 * Every trigger of the D1 database, once: what the database enforces and derives beyond
 * its columns, CHECKs and unique indexes (those are in schema.ts). Migrations are written
 * from these definitions: edit one here, then `npm run db:triggers -- --name <what>` writes
 * the migration that drops and re-creates what changed. test/triggers.test.ts fails when
 * the migrated database's triggers are not exactly these, so a definition changed without
 * a migration, or a table rebuild that dropped its triggers, cannot go unnoticed.
 *
 * Nothing imports this at run time: the Worker runs the triggers the migrations created.
 * Identifiers are written without quotes; the comparison treats `name` and name alike.
 */

/** One trigger: `CREATE TRIGGER name fires ON table [WHEN when] BEGIN body END`. */
export interface TriggerDefinition {
  readonly name: string;
  /** The table it fires on. */
  readonly table: string;
  /** When it fires: `BEFORE INSERT`, `AFTER UPDATE OF status`, … */
  readonly fires: string;
  /** The condition on the row, when it fires only for some rows. */
  readonly when?: string;
  /** The statements between BEGIN and END, each ending in `;`. */
  readonly body: string;
  /** Why it exists: the invariant it keeps. */
  readonly why: string;
}

export interface TriggerGroup {
  /** What the triggers of the group protect. */
  readonly protects: string;
  readonly triggers: readonly TriggerDefinition[];
}

const ledgerAndLots: TriggerGroup = {
  protects:
    "The ledger and the point lots: a balance is the sum of an append-only ledger, spent first-expiring-first",
  triggers: [
    {
      name: "ledger_entries_no_update",
      table: "ledger_entries",
      fires: "BEFORE UPDATE",
      body: "SELECT RAISE(ABORT, 'ledger_entries is append-only');",
      why: "The ledger is history: a correction is a new entry (reversal, adjustment), never an edit.",
    },
    {
      name: "ledger_entries_no_delete",
      table: "ledger_entries",
      fires: "BEFORE DELETE",
      body: "SELECT RAISE(ABORT, 'ledger_entries is append-only');",
      why: "The ledger is history: no entry disappears, so a wallet stays the sum of its ledger.",
    },
    {
      name: "ledger_entries_apply",
      table: "ledger_entries",
      fires: "AFTER INSERT",
      body: `
        UPDATE wallets
           SET balance = balance + NEW.points,
               lifetime_earned = lifetime_earned + (CASE WHEN NEW.points > 0 THEN NEW.points ELSE 0 END),
               lifetime_redeemed = lifetime_redeemed + (CASE WHEN NEW.type = 'redemption' THEN -NEW.points ELSE 0 END)
         WHERE user_id = NEW.user_id;
        SELECT RAISE(ABORT, 'ledger balance_after does not match the wallet')
         WHERE (SELECT balance FROM wallets WHERE user_id = NEW.user_id) IS NOT NEW.balance_after;
        UPDATE referral_stats
           SET points_earned = points_earned + NEW.points
         WHERE user_id = NEW.user_id AND NEW.type = 'referral_reward';`,
      why: "A wallet is the running sum of its ledger: no code writes a balance, and a wrong balance_after aborts the batch.",
    },
    {
      name: "ledger_entries_open_lot",
      table: "ledger_entries",
      fires: "AFTER INSERT",
      when: "NEW.points > 0",
      body: `
        INSERT INTO point_lots (ledger_entry_id, user_id, remaining, expires_at)
        VALUES (NEW.id, NEW.user_id, NEW.points, coalesce(NEW.expires_at, 253402300799999));`,
      why: "Every credit opens a lot with its expiry (none: year 9999), so debits know what expires when.",
    },
    {
      name: "ledger_entries_consume_lots",
      table: "ledger_entries",
      fires: "AFTER INSERT",
      when: "NEW.points < 0",
      body: `
        -- The walk: each step seeks the next lot after the previous one; a step that finds none
        -- while the debit is not covered yields a row without a lot, which aborts the debit.
        INSERT INTO lot_consumptions (debit_entry_id, lot_entry_id, user_id, points, expires_at)
        SELECT NEW.id, lot, NEW.user_id,
               CASE WHEN lot IS NULL
                    THEN RAISE(ABORT, 'insufficient_points: the unexpired points do not cover this debit')
                    ELSE taken END,
               expires_at
          FROM (
            WITH RECURSIVE walk (lot, expires_at, taken, covered) AS (
              SELECT l.ledger_entry_id, l.expires_at, min(l.remaining, -NEW.points),
                     coalesce(min(l.remaining, -NEW.points), 0)
                FROM (SELECT 1) LEFT JOIN point_lots l ON l.rowid = (
                  SELECT n.rowid FROM point_lots n
                   WHERE n.user_id = NEW.user_id AND n.remaining > 0
                     AND n.expires_at > (CASE WHEN NEW.type = 'expiry' THEN -1 ELSE NEW.created_at END)
                     AND n.expires_at <= (CASE WHEN NEW.type = 'expiry' THEN NEW.created_at ELSE 253402300799999 END)
                   ORDER BY n.expires_at, n.ledger_entry_id LIMIT 1)
              UNION ALL
              SELECT l.ledger_entry_id, l.expires_at,
                     min(l.remaining, -NEW.points - w.covered),
                     w.covered + min(l.remaining, -NEW.points - w.covered)
                FROM walk w LEFT JOIN point_lots l ON l.rowid = (
                  SELECT n.rowid FROM point_lots n
                   WHERE n.user_id = NEW.user_id AND n.remaining > 0 AND (n.expires_at, n.ledger_entry_id) > (w.expires_at, w.lot)
                     AND n.expires_at <= (CASE WHEN NEW.type = 'expiry' THEN NEW.created_at ELSE 253402300799999 END)
                   ORDER BY n.expires_at, n.ledger_entry_id LIMIT 1)
               WHERE w.lot IS NOT NULL AND w.covered < -NEW.points
            )
            SELECT lot, expires_at, taken FROM walk
          );
        UPDATE point_lots SET remaining = remaining - c.points
          FROM lot_consumptions c
         WHERE c.debit_entry_id = NEW.id AND point_lots.ledger_entry_id = c.lot_entry_id;`,
      why: "A debit spends only lots alive at its created_at, first-expiring-first, and records what it took: expired points are never spent.",
    },
    {
      name: "lot_consumptions_no_change",
      table: "lot_consumptions",
      fires: "BEFORE UPDATE",
      body: "SELECT RAISE(ABORT, 'lot_consumptions is append-only');",
      why: "What a debit took from each lot is history, like the ledger it explains: a refund gives back exactly that.",
    },
    {
      name: "lot_consumptions_no_delete",
      table: "lot_consumptions",
      fires: "BEFORE DELETE",
      body: "SELECT RAISE(ABORT, 'lot_consumptions is append-only');",
      why: "What a debit took from each lot is history, like the ledger it explains: a refund gives back exactly that.",
    },
    {
      name: "debit_returns_exact",
      table: "debit_returns",
      fires: "BEFORE INSERT",
      when: `
        NEW.points IS NOT (SELECT sum(points) FROM lot_consumptions
                           WHERE debit_entry_id = NEW.debit_entry_id AND user_id = NEW.user_id)`,
      body: "SELECT RAISE(ABORT, 'debit_returns must return exactly what the debit took');",
      why: "A debit is given back whole and as it was taken: what its own lot consumptions say, for its own user.",
    },
  ],
};

const spendsCouponsAndKeys: TriggerGroup = {
  protects:
    "Spends, refunds, coupons and idempotency keys: decided by the database among racing requests",
  triggers: [
    {
      name: "point_spends_refund_within_spend",
      table: "point_spends",
      fires: "BEFORE UPDATE OF refunded_points",
      when: "NEW.refunded_points > NEW.points OR NEW.refunded_points < OLD.refunded_points",
      body: "SELECT RAISE(ABORT, 'already_refunded: a refund adds up to the spend at most');",
      why: "Partial refunds in parallel never give back more than was spent, nor take a refund back.",
    },
    {
      name: "redemptions_coupon_transition",
      table: "redemptions",
      fires: "BEFORE UPDATE OF coupon_status",
      body: `
        SELECT CASE
          WHEN NEW.coupon_status = 'issued' AND OLD.coupon_status IS NOT 'used'
            THEN RAISE(ABORT, 'coupon_not_used')
          WHEN NEW.coupon_status = 'issued' AND NEW.coupon_order_id IS NOT NULL
            THEN RAISE(ABORT, 'coupon_not_used: used on another order')
          WHEN NEW.coupon_status = 'issued'
               AND (SELECT erased_at FROM users WHERE id = NEW.user_id) IS NOT NULL
            THEN RAISE(ABORT, 'erased_user: no coupon back for an erased user')
          WHEN NEW.coupon_status = 'issued' THEN NULL
          WHEN OLD.coupon_status = 'used' THEN RAISE(ABORT, 'coupon_already_used')
          WHEN OLD.coupon_status = 'void' THEN RAISE(ABORT, 'coupon_void')
          WHEN OLD.coupon_status IS NOT 'issued' OR NEW.coupon_status NOT IN ('used', 'void')
            THEN RAISE(ABORT, 'coupon status transition not allowed')
        END;`,
      why: "A coupon is used once; only a used one goes back to issued (its order refunded): of racing uses or releases one commits.",
    },
    {
      name: "idempotency_keys_completed_by_owner",
      table: "idempotency_keys",
      fires: "BEFORE UPDATE",
      when: "NEW.resource_id IS NOT NULL AND NEW.lock_token IS NOT OLD.lock_token",
      body: "SELECT RAISE(ABORT, 'idempotency_key_taken_over');",
      why: "Only the request holding a key's lock completes it: one whose lock a retry took over fails its batch.",
    },
  ],
};

const referrals: TriggerGroup = {
  protects:
    "Referrals: a status only moves forward, and the counters follow the referrals that cause them",
  triggers: [
    {
      name: "referrals_status_transitions",
      table: "referrals",
      fires: "BEFORE UPDATE OF status",
      when: `
        NOT (
          (OLD.status IN ('pending', 'held') AND NEW.status IN ('qualified', 'rejected', 'pending', 'held'))
          OR (OLD.status = 'qualified' AND NEW.status = 'rejected')
        )`,
      body: "SELECT RAISE(ABORT, 'referral status transition not allowed');",
      why: "A referral is paid at most once: waiting → qualified or rejected, qualified → rejected by a refund, nothing else.",
    },
    {
      name: "referrals_count_insert",
      table: "referrals",
      fires: "AFTER INSERT",
      body: `
        UPDATE referral_stats
           SET total = total + 1,
               pending = pending + (NEW.status = 'pending'),
               qualified = qualified + (NEW.status = 'qualified'),
               held = held + (NEW.status = 'held'),
               rejected = rejected + (NEW.status = 'rejected')
         WHERE user_id = NEW.referrer_id;`,
      why: "A referrer's counts by status follow their referrals, so no write path can forget one.",
    },
    {
      name: "referrals_count_status",
      table: "referrals",
      fires: "AFTER UPDATE OF status",
      when: "OLD.status <> NEW.status",
      body: `
        UPDATE referral_stats
           SET pending = pending + (NEW.status = 'pending') - (OLD.status = 'pending'),
               qualified = qualified + (NEW.status = 'qualified') - (OLD.status = 'qualified'),
               held = held + (NEW.status = 'held') - (OLD.status = 'held'),
               rejected = rejected + (NEW.status = 'rejected') - (OLD.status = 'rejected')
         WHERE user_id = NEW.referrer_id;`,
      why: "A referrer's counts by status follow each change of a referral's status.",
    },
    {
      name: "referrals_pending_points_insert",
      table: "referrals",
      fires: "AFTER INSERT",
      when: "NEW.status IN ('pending', 'held')",
      body: `
        UPDATE referral_stats SET pending_points = pending_points + NEW.referrer_points
         WHERE user_id = NEW.referrer_id;
        UPDATE referral_stats SET pending_points = pending_points + NEW.referee_points
         WHERE user_id = NEW.referee_id;`,
      why: "A waiting referral's points count as pending for both sides (the wallet's pending).",
    },
    {
      name: "referrals_pending_points_decided",
      table: "referrals",
      fires: "AFTER UPDATE OF status",
      when: "OLD.status IN ('pending', 'held') AND NEW.status NOT IN ('pending', 'held')",
      body: `
        UPDATE referral_stats SET pending_points = pending_points - OLD.referrer_points
         WHERE user_id = OLD.referrer_id;
        UPDATE referral_stats SET pending_points = pending_points - OLD.referee_points
         WHERE user_id = OLD.referee_id;`,
      why: "A decided referral stops being pending: the OLD points go, as qualification rewrites them by place.",
    },
    {
      name: "referrals_reversed_points_earned",
      table: "referrals",
      fires: "AFTER UPDATE OF status",
      when: "OLD.status = 'qualified' AND NEW.status = 'rejected'",
      body: `
        UPDATE referral_stats SET points_earned = points_earned - NEW.referrer_points
         WHERE user_id = NEW.referrer_id;`,
      why: "A reversed referral's reward no longer counts as earned from referrals, whether or not the points could be taken back.",
    },
    {
      name: "referrals_count_funnel_insert",
      table: "referrals",
      fires: "AFTER INSERT",
      body: `
        INSERT INTO daily_stats (day, referred_signups, qualified)
        VALUES (date(NEW.created_at / 1000, 'unixepoch'), 1, NEW.status = 'qualified')
        ON CONFLICT (day) DO UPDATE SET referred_signups = referred_signups + 1,
                                        qualified = qualified + (NEW.status = 'qualified');
        INSERT INTO source_stats (user_id, source, signups) VALUES (NEW.referrer_id, NEW.source, 1)
        ON CONFLICT (user_id, source) DO UPDATE SET signups = signups + 1;
        INSERT INTO daily_source_stats (day, source, signups)
        VALUES (date(NEW.created_at / 1000, 'unixepoch'), NEW.source, 1)
        ON CONFLICT (day, source) DO UPDATE SET signups = signups + 1;`,
      why: "The funnel's daily and per-source counters count each referred signup, so dashboards read counters instead of scanning referrals.",
    },
    {
      name: "referrals_count_funnel_qualified",
      table: "referrals",
      fires: "AFTER UPDATE OF status",
      when: "NEW.status = 'qualified' AND OLD.status <> 'qualified'",
      body: `
        INSERT INTO daily_stats (day, qualified)
        VALUES (date(coalesce(NEW.qualified_at, NEW.created_at) / 1000, 'unixepoch'), 1)
        ON CONFLICT (day) DO UPDATE SET qualified = qualified + 1;`,
      why: "The funnel counts a referral that qualifies later on the day it qualified.",
    },
  ],
};

const usersAndCodes: TriggerGroup = {
  protects: "Users and their codes: accounts open with the user, codes stay unique for ever",
  triggers: [
    {
      name: "users_open_accounts",
      table: "users",
      fires: "AFTER INSERT",
      body: `
        INSERT INTO wallets (user_id) VALUES (NEW.id);
        INSERT INTO referral_stats (user_id) VALUES (NEW.id);
        INSERT INTO daily_stats (day, signups) VALUES (date(NEW.created_at / 1000, 'unixepoch'), 1)
        ON CONFLICT (day) DO UPDATE SET signups = signups + 1;`,
      why: "Every user has a wallet and referral counters from the start, and counts as a signup of the day.",
    },
    {
      name: "referral_codes_on_user_insert",
      table: "users",
      fires: "AFTER INSERT",
      body: `
        INSERT INTO referral_codes (normalized, code, user_id, status, created_at)
        VALUES (upper(NEW.referral_code), NEW.referral_code, NEW.id, 'active', NEW.referral_code_created_at);`,
      why: "A new user's code joins referral_codes: a code someone holds or once held fails its primary key, so no code ever changes hands.",
    },
    {
      name: "referral_codes_on_code_change",
      table: "users",
      fires: "AFTER UPDATE OF referral_code",
      when: "OLD.referral_code IS NOT NEW.referral_code",
      body: `
        UPDATE referral_codes SET status = 'retired', retired_at = NEW.referral_code_created_at
         WHERE normalized = upper(OLD.referral_code) AND user_id = NEW.id;
        UPDATE referral_codes SET status = 'active', retired_at = NULL, code = NEW.referral_code
         WHERE normalized = upper(NEW.referral_code) AND user_id = NEW.id;
        INSERT INTO referral_codes (normalized, code, user_id, status, created_at)
        SELECT upper(NEW.referral_code), NEW.referral_code, NEW.id, 'active', NEW.referral_code_created_at
         WHERE NOT EXISTS (SELECT 1 FROM referral_codes
                            WHERE normalized = upper(NEW.referral_code) AND user_id = NEW.id);`,
      why: "A changed code retires the old one (still the owner's); a code another user holds or held fails the whole change.",
    },
  ],
};

const leaderboard: TriggerGroup = {
  protects: "The leaderboard: a histogram of referral counts per board follows its entries",
  triggers: [
    {
      name: "leaderboard_entries_histogram_insert",
      table: "leaderboard_entries",
      fires: "AFTER INSERT",
      body: `
        INSERT INTO leaderboard_histogram (period, referrals, users)
        VALUES (NEW.period, NEW.referrals, 1)
        ON CONFLICT (period, referrals) DO UPDATE SET users = users + 1;`,
      why: "A rank is a sum over distinct counts (users per count), not a scan of every user.",
    },
    {
      name: "leaderboard_entries_histogram_update",
      table: "leaderboard_entries",
      fires: "AFTER UPDATE OF referrals, period",
      when: "OLD.referrals <> NEW.referrals OR OLD.period <> NEW.period",
      body: `
        UPDATE leaderboard_histogram SET users = users - 1
         WHERE period = OLD.period AND referrals = OLD.referrals;
        DELETE FROM leaderboard_histogram
         WHERE period = OLD.period AND referrals = OLD.referrals AND users = 0;
        INSERT INTO leaderboard_histogram (period, referrals, users)
        VALUES (NEW.period, NEW.referrals, 1)
        ON CONFLICT (period, referrals) DO UPDATE SET users = users + 1;`,
      why: "An entry's new count moves it from one bucket of the histogram to the other; empty buckets go.",
    },
    {
      name: "leaderboard_entries_histogram_delete",
      table: "leaderboard_entries",
      fires: "AFTER DELETE",
      body: `
        UPDATE leaderboard_histogram SET users = users - 1
         WHERE period = OLD.period AND referrals = OLD.referrals;
        DELETE FROM leaderboard_histogram
         WHERE period = OLD.period AND referrals = OLD.referrals AND users = 0;`,
      why: "A removed entry leaves the histogram; empty buckets go.",
    },
  ],
};

/**
 * An erased person is gone: a write that names them aborts its batch with a message
 * starting `erased_user:` (answered 404 in one place, src/db/client.ts), also from a request
 * that read the user before the erasure committed.
 */
function notForErased(table: string, refusal: string): TriggerDefinition {
  return {
    name: `${table}_not_for_erased`,
    table,
    fires: "BEFORE INSERT",
    when: "(SELECT erased_at FROM users WHERE id = NEW.user_id) IS NOT NULL",
    body: `SELECT RAISE(ABORT, 'erased_user: ${refusal}');`,
    why: `Nothing new for an erased person (${refusal}), also from a request that read them before the erasure committed.`,
  };
}

const erasedUsers: TriggerGroup = {
  protects:
    "Erased users: nothing new is written for them, except what keeps other people's books exact",
  triggers: [
    {
      name: "users_erased_frozen",
      table: "users",
      fires: "BEFORE UPDATE",
      when: "OLD.erased_at IS NOT NULL",
      body: "SELECT RAISE(ABORT, 'erased_user: an erased user row does not change');",
      why: "An erased user's anonymized row stays for the books and never changes again (no rename, no new code).",
    },
    notForErased("sessions", "no session for an erased user"),
    notForErased("verification_codes", "no verification code for an erased user"),
    notForErased("referral_codes", "no referral code for an erased user"),
    {
      name: "referrals_not_for_erased",
      table: "referrals",
      fires: "BEFORE INSERT",
      when: `
        (SELECT erased_at FROM users WHERE id = NEW.referrer_id) IS NOT NULL
          OR (SELECT erased_at FROM users WHERE id = NEW.referee_id) IS NOT NULL`,
      body: "SELECT RAISE(ABORT, 'erased_user: no referral of an erased user');",
      why: "No referral from or to an erased person: a signup with their code plans again from a fresh read.",
    },
    {
      name: "ledger_entries_not_for_erased",
      table: "ledger_entries",
      fires: "BEFORE INSERT",
      when: `
        (SELECT erased_at FROM users WHERE id = NEW.user_id) IS NOT NULL
          AND NOT (NEW.type = 'expiry' OR (NEW.type = 'reversal' AND NEW.points < 0))`,
      body: "SELECT RAISE(ABORT, 'erased_user: no credit or spend for an erased user');",
      why: "No credit or spend for an erased person; what takes back still runs (expiry, a refund's reversal).",
    },
    notForErased("redemptions", "no redemption for an erased user"),
    notForErased("point_spends", "no spend for an erased user"),
    notForErased("checkouts", "no checkout for an erased user"),
    notForErased("invites", "no invite from an erased user"),
    notForErased("unlocks", "no unlock for an erased user"),
    notForErased("campaign_awards", "no campaign award for an erased user"),
    notForErased("events", "no event of an erased user"),
  ],
};

/** The triggers by what they protect, in the order a reader meets the books. */
export const triggerGroups: readonly TriggerGroup[] = [
  ledgerAndLots,
  spendsCouponsAndKeys,
  referrals,
  usersAndCodes,
  leaderboard,
  erasedUsers,
];

/** Every live trigger of the database. */
export const triggers: readonly TriggerDefinition[] = triggerGroups.flatMap(
  (group) => group.triggers,
);
