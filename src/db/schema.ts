/**
 * The D1 schema. Invariants live here as well as in code: unique indexes guard codes,
 * phones and referral ordinals; CHECKs keep balances non-negative. Triggers (in the
 * hand-written migration 0001) derive wallet balances and referral counters from the
 * rows that cause them, and keep the ledger append-only.
 */
import { desc, sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** Epoch milliseconds; converted to ISO-8601 at the HTTP edge. */
const millis = (name: string) => integer(name, { mode: "number" });

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    phone: text("phone").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    referralCode: text("referral_code").notNull(),
    referralCodeCreatedAt: millis("referral_code_created_at").notNull(),
    referredByUserId: text("referred_by_user_id"),
    referredByCode: text("referred_by_code"),
    /** Salted hashes of the signup's client IP and device id: fraud checks compare these. */
    signupIpHash: text("signup_ip_hash"),
    signupDeviceHash: text("signup_device_hash"),
    createdAt: millis("created_at").notNull(),
    /** The `_id` a user had in the Express/MongoDB backend: imported referrals resolve by it. */
    legacyId: text("legacy_id"),
    /** When the person was erased (src/data/erase.ts): the row stays for the books, anonymized. */
    erasedAt: millis("erased_at"),
  },
  (t) => [
    uniqueIndex("users_phone_unique").on(t.phone),
    uniqueIndex("users_legacy_id_unique").on(t.legacyId),
    uniqueIndex("users_referral_code_unique").on(t.referralCode),
    check("users_role_check", sql`${t.role} in ('user', 'admin')`),
  ],
);

/** One login session: the family that every rotated refresh token belongs to. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: millis("created_at").notNull(),
    revokedAt: millis("revoked_at"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    /** SHA-256 of the opaque token; the token itself is never stored. */
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id),
    expiresAt: millis("expires_at").notNull(),
    createdAt: millis("created_at").notNull(),
    usedAt: millis("used_at"),
    /** Hash of the token this one was exchanged for; lets the rotation batch insert it atomically. */
    replacedBy: text("replaced_by"),
  },
  (t) => [
    index("refresh_tokens_session_idx").on(t.sessionId),
    index("refresh_tokens_expires_idx").on(t.expiresAt),
  ],
);

/** The program: reward rules as versioned data. The newest version is in force. */
export const programs = sqliteTable("programs", {
  version: integer("version").primaryKey(),
  rules: text("rules", { mode: "json" }).notNull(),
  createdAt: millis("created_at").notNull(),
});

export const referralStatuses = ["pending", "qualified", "held", "rejected"] as const;

export const referrals = sqliteTable(
  "referrals",
  {
    id: text("id").primaryKey(),
    referrerId: text("referrer_id")
      .notNull()
      .references(() => users.id),
    refereeId: text("referee_id")
      .notNull()
      .references(() => users.id),
    /** 1 for the referrer's first referral, 2 for the second… Decides the reward tier. */
    ordinal: integer("ordinal").notNull(),
    code: text("code").notNull(),
    status: text("status", { enum: referralStatuses }).notNull(),
    source: text("source").notNull(),
    programVersion: integer("program_version")
      .notNull()
      .references(() => programs.version),
    referrerPoints: integer("referrer_points").notNull(),
    refereePoints: integer("referee_points").notNull(),
    inviteId: text("invite_id"),
    /** 1 for the referrer's first qualified referral…: decides milestones and campaigns. */
    qualifiedOrdinal: integer("qualified_ordinal"),
    /** Why a referral is held for review (JSON array), or why it was rejected. */
    reasons: text("reasons", { mode: "json" }).$type<string[]>(),
    /** Points a refund could not take back because they were already spent. */
    uncollectedPoints: integer("uncollected_points").notNull().default(0),
    createdAt: millis("created_at").notNull(),
    qualifiedAt: millis("qualified_at"),
    /** When the hold period passed without a refund: from then on the rewards are final. */
    settledAt: millis("settled_at"),
    /** The `externalId` of the event that qualified it: a refund naming another order is not its refund. */
    qualifiedByEvent: text("qualified_by_event"),
  },
  (t) => [
    uniqueIndex("referrals_referee_unique").on(t.refereeId),
    index("referrals_referrer_qualified_idx").on(t.referrerId, t.qualifiedAt),
    // Two concurrent signups can never both become "referral n" of one referrer.
    uniqueIndex("referrals_referrer_ordinal_unique").on(t.referrerId, t.ordinal),
    // Likewise for qualification: two referrals can never both become "qualified n".
    uniqueIndex("referrals_referrer_qualified_ordinal_unique").on(t.referrerId, t.qualifiedOrdinal),
    index("referrals_status_idx").on(t.status, t.createdAt),
    index("referrals_created_idx").on(t.createdAt),
    check(
      "referrals_status_check",
      sql`${t.status} in ('pending', 'qualified', 'held', 'rejected')`,
    ),
    check("referrals_ordinal_check", sql`${t.ordinal} >= 1`),
  ],
);

/** Per-referrer counters, maintained by triggers on referrals and ledger_entries. */
export const referralStats = sqliteTable("referral_stats", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  total: integer("total").notNull().default(0),
  pending: integer("pending").notNull().default(0),
  qualified: integer("qualified").notNull().default(0),
  held: integer("held").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
  pointsEarned: integer("points_earned").notNull().default(0),
  /** Points of this user's referrals (either side) still pending or held: not yet credited. */
  pendingPoints: integer("pending_points").notNull().default(0),
});

/** Cached totals of a user's ledger, maintained by a trigger; never written by application code. */
export const wallets = sqliteTable(
  "wallets",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id),
    balance: integer("balance").notNull().default(0),
    lifetimeEarned: integer("lifetime_earned").notNull().default(0),
    lifetimeRedeemed: integer("lifetime_redeemed").notNull().default(0),
  },
  (t) => [check("wallets_balance_check", sql`${t.balance} >= 0`)],
);

export const ledgerEntryTypes = [
  "referral_reward",
  "signup_bonus",
  "tier_bonus",
  "milestone_bonus",
  "campaign_bonus",
  "redemption",
  "expiry",
  "adjustment",
  "reversal",
  "import",
] as const;
export type LedgerEntryType = (typeof ledgerEntryTypes)[number];

export const ledgerEntries = sqliteTable(
  "ledger_entries",
  {
    /** Insertion order; exact even for entries written within one millisecond. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    type: text("type", { enum: ledgerEntryTypes }).notNull(),
    points: integer("points").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    description: text("description").notNull(),
    referralId: text("referral_id").references(() => referrals.id),
    redemptionId: text("redemption_id"),
    expiresAt: millis("expires_at"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("ledger_entries_id_unique").on(t.id),
    index("ledger_entries_user_seq_idx").on(t.userId, t.seq),
    // The wallet's "expiring soon" read touches only the credits in its window.
    index("ledger_entries_user_expiry_idx").on(t.userId, t.expiresAt),
    // A reversal reads the credits of one referral.
    index("ledger_entries_referral_idx").on(t.referralId),
    check("ledger_entries_points_check", sql`${t.points} <> 0`),
    check("ledger_entries_balance_after_check", sql`${t.balanceAfter} >= 0`),
    check(
      "ledger_entries_type_check",
      sql`${t.type} in ('referral_reward', 'signup_bonus', 'tier_bonus', 'milestone_bonus', 'campaign_bonus', 'redemption', 'expiry', 'adjustment', 'reversal', 'import')`,
    ),
  ],
);

export const rewardKinds = ["coupon", "unlock"] as const;

export const rewards = sqliteTable(
  "rewards",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    cost: integer("cost").notNull(),
    kind: text("kind", { enum: rewardKinds }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    check("rewards_cost_check", sql`${t.cost} > 0`),
    check("rewards_kind_check", sql`${t.kind} in ('coupon', 'unlock')`),
  ],
);

export const redemptions = sqliteTable(
  "redemptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    rewardId: text("reward_id")
      .notNull()
      .references(() => rewards.id),
    cost: integer("cost").notNull(),
    couponCode: text("coupon_code"),
    balanceAfter: integer("balance_after").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("redemptions_coupon_code_unique").on(t.couponCode),
    index("redemptions_user_idx").on(t.userId, t.id),
  ],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    /** Id of what the first request created; null while it is in progress. */
    resourceId: text("resource_id"),
    lockedUntil: millis("locked_until").notNull(),
    createdAt: millis("created_at").notNull(),
    expiresAt: millis("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.scope, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
  ],
);

/** One stored click of an invite link. The IP is kept only as a salted hash. */
export const clicks = sqliteTable(
  "clicks",
  {
    id: text("id").primaryKey(),
    referrerId: text("referrer_id")
      .notNull()
      .references(() => users.id),
    code: text("code").notNull(),
    source: text("source").notNull(),
    inviteId: text("invite_id"),
    day: text("day").notNull(),
    ipHash: text("ip_hash").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [index("clicks_referrer_idx").on(t.referrerId, t.createdAt)],
);

/** Per-referrer, per-source counters for /v1/me/stats: a handful of rows per user. */
export const sourceStats = sqliteTable(
  "source_stats",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    source: text("source").notNull(),
    clicks: integer("clicks").notNull().default(0),
    signups: integer("signups").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.source] })],
);

/** Program-wide counters per day, for analytics over a date range. */
export const dailyStats = sqliteTable("daily_stats", {
  day: text("day").primaryKey(),
  clicks: integer("clicks").notNull().default(0),
  signups: integer("signups").notNull().default(0),
  referredSignups: integer("referred_signups").notNull().default(0),
  qualified: integer("qualified").notNull().default(0),
});

export const dailySourceStats = sqliteTable(
  "daily_source_stats",
  {
    day: text("day").notNull(),
    source: text("source").notNull(),
    clicks: integer("clicks").notNull().default(0),
    signups: integer("signups").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.source] })],
);

/**
 * Qualified referrals per user and period ("all", "w:2026-W48", "m:2026-11"), kept in the
 * same batch as the qualification so that the leaderboard never scans referrals.
 */
export const leaderboardEntries = sqliteTable(
  "leaderboard_entries",
  {
    period: text("period").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    referrals: integer("referrals").notNull(),
    /** When the user reached this count: earlier ranks first among ties. */
    reachedAt: millis("reached_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.userId] }),
    // In the board's own order (most referrals, then who got there first): top N reads N rows.
    index("leaderboard_entries_rank_idx").on(t.period, desc(t.referrals), t.reachedAt),
  ],
);

/** How many users have exactly `referrals` in a period (a trigger keeps it): ranks in O(distinct counts). */
export const leaderboardHistogram = sqliteTable(
  "leaderboard_histogram",
  {
    period: text("period").notNull(),
    referrals: integer("referrals").notNull(),
    users: integer("users").notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.referrals] })],
);

export const inviteChannels = ["email", "sms"] as const;
export const inviteStatuses = ["queued", "sent", "failed", "joined"] as const;

/** The invite outbox: delivery is retried from here until sent or out of attempts. */
export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    channel: text("channel", { enum: inviteChannels }).notNull(),
    /** E.164 phone or lower-cased email. */
    recipient: text("recipient").notNull(),
    message: text("message"),
    status: text("status", { enum: inviteStatuses }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: millis("next_attempt_at"),
    lockedUntil: millis("locked_until"),
    lastError: text("last_error"),
    createdAt: millis("created_at").notNull(),
    sentAt: millis("sent_at"),
    clickedAt: millis("clicked_at"),
    joinedAt: millis("joined_at"),
  },
  (t) => [
    index("invites_user_idx").on(t.userId, t.createdAt),
    index("invites_recipient_idx").on(t.userId, t.recipient, t.createdAt),
    index("invites_due_idx").on(t.status, t.nextAttemptAt),
    check("invites_channel_check", sql`${t.channel} in ('email', 'sms')`),
    check("invites_status_check", sql`${t.status} in ('queued', 'sent', 'failed', 'joined')`),
  ],
);

/** Who did what, when: every admin action, written in the batch of the action itself. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id")
      .notNull()
      .references(() => users.id),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    details: text("details", { mode: "json" }).notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    index("audit_log_target_idx").on(t.targetType, t.targetId),
    index("audit_log_created_idx").on(t.createdAt),
  ],
);

/** Entitlements a frontend can read: from milestones ("free_theme") or unlock rewards. */
export const unlocks = sqliteTable(
  "unlocks",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    unlock: text("unlock").notNull(),
    source: text("source", { enum: ["milestone", "redemption"] }).notNull(),
    grantedAt: millis("granted_at").notNull(),
  },
  // Granted once: a second grant of the same unlock is a no-op.
  (t) => [primaryKey({ columns: [t.userId, t.unlock] })],
);

/** Time-limited offers: "N qualified referrals within D days, between startsAt and endsAt". */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    startsAt: millis("starts_at").notNull(),
    endsAt: millis("ends_at").notNull(),
    goalReferrals: integer("goal_referrals").notNull(),
    windowDays: integer("window_days").notNull(),
    bonusPoints: integer("bonus_points").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    index("campaigns_window_idx").on(t.endsAt),
    check("campaigns_window_check", sql`${t.endsAt} > ${t.startsAt}`),
    check(
      "campaigns_goal_check",
      sql`${t.goalReferrals} >= 1 and ${t.windowDays} >= 1 and ${t.bonusPoints} >= 1`,
    ),
  ],
);

/** A campaign's bonus, earned at most once per user (the primary key says so). */
export const campaignAwards = sqliteTable(
  "campaign_awards",
  {
    campaignId: text("campaign_id")
      .notNull()
      .references(() => campaigns.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    referralId: text("referral_id").notNull(),
    awardedAt: millis("awarded_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);

/** Qualifying events from the product's back end (purchase, refund…), idempotent by externalId. */
export const events = sqliteTable(
  "events",
  {
    externalId: text("external_id").primaryKey(),
    type: text("type").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    amount: integer("amount"),
    /** Referrals this event qualified or reversed (JSON array of ids). */
    referralIds: text("referral_ids", { mode: "json" }).$type<string[]>().notNull(),
    /** Fingerprint of the request body: a replay must match it (null for events stored before). */
    requestHash: text("request_hash"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [index("events_user_idx").on(t.userId, t.type)],
);

/** The expiry of points that never expire: the last millisecond of year 9999. */
export const NEVER_EXPIRES = 253_402_300_799_999;

/**
 * What is left of each credit, for first-expiring-first-spent accounting. Triggers on the
 * ledger keep it: a credit opens a lot, a debit consumes lots in order of expiry. The sum
 * of a user's lots is their balance.
 */
export const pointLots = sqliteTable(
  "point_lots",
  {
    ledgerEntryId: text("ledger_entry_id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    remaining: integer("remaining").notNull(),
    /** NEVER_EXPIRES for points that do not expire, so that they sort (and are spent) last. */
    expiresAt: millis("expires_at").notNull(),
  },
  (t) => [
    // A debit reads a user's lots in spending order, stopping once it is covered.
    index("point_lots_spending_order_idx").on(t.userId, t.expiresAt, t.ledgerEntryId),
    index("point_lots_expiry_idx").on(t.expiresAt),
    check("point_lots_remaining_check", sql`${t.remaining} >= 0`),
  ],
);

export const referralCodeStatuses = ["active", "retired"] as const;
/**
 * `code`: one of ours; `legacy`: an alias imported from the old backend, beside the user's
 * code of ours. Both kinds share one case-insensitive key space (`normalized`), so a typed
 * code can never mean two people: a legacy code that differs from another code only in
 * case is refused at import (the primary key says so) and reported.
 */
export const referralCodeKinds = ["code", "legacy"] as const;

/**
 * Every referral code a user has held. Every code look-up goes through this table; a
 * retired code stays reserved to its owner (they may take it back, nobody else can).
 * Triggers on `users` keep it in step with `users.referral_code`, the current code.
 */
export const referralCodes = sqliteTable(
  "referral_codes",
  {
    /** The code in canonical form (see canonicalReferralCode): two spellings, one code. */
    normalized: text("normalized").primaryKey(),
    /** The code as its owner shows it. */
    code: text("code").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: referralCodeStatuses }).notNull(),
    kind: text("kind", { enum: referralCodeKinds }).notNull().default("code"),
    createdAt: millis("created_at").notNull(),
    retiredAt: millis("retired_at"),
  },
  (t) => [
    index("referral_codes_user_idx").on(t.userId),
    check("referral_codes_kind_check", sql`${t.kind} in ('code', 'legacy')`),
    check("referral_codes_status_check", sql`${t.status} in ('active', 'retired')`),
    check(
      "referral_codes_retired_at_check",
      sql`(${t.status} = 'retired') = (${t.retiredAt} is not null)`,
    ),
  ],
);

/**
 * The rate limiter's counters (src/platform/rate-limit.ts): one row per rule, subject and
 * window, counted by an atomic upsert. Housekeeping deletes rows whose window is over.
 */
export const rateLimitCounters = sqliteTable(
  "rate_limit_counters",
  {
    /** Rule name, a hash of the subject, and the window's start. */
    key: text("key").primaryKey(),
    count: integer("count").notNull(),
    expiresAt: millis("expires_at").notNull(),
  },
  (t) => [index("rate_limit_counters_expires_idx").on(t.expiresAt)],
);
