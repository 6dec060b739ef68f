/**
 * The D1 schema: tables, columns, unique indexes (codes, phones, referral ordinals) and
 * CHECKs (balances never below zero); drizzle-kit writes migrations/ from it. What the
 * database enforces beyond these is in the triggers, each defined once in
 * src/db/triggers.ts (migrations written by `npm run db:triggers`): wallet balances and
 * counters derived from the rows that cause them, an append-only ledger spent by lots,
 * status transitions, nothing new for an erased user.
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
import { locales } from "../i18n/locales";
import type { Labels } from "../i18n/schemas";

/** Epoch milliseconds; converted to ISO-8601 at the HTTP edge. */
const millis = (name: string) => integer(name, { mode: "number" });

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** E.164; null for a participant created by a back end without one (NULLs never collide). */
    phone: text("phone"),
    /** Null for participants created by a back end: they cannot log in with a password. */
    passwordHash: text("password_hash"),
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
    /** The shop's own id of a participant created through `POST /v1/users`. */
    externalId: text("external_id"),
    createdAt: millis("created_at").notNull(),
    /** When the user proved they hold the phone (a one-time code); null until then. */
    phoneVerifiedAt: millis("phone_verified_at"),
    /** The `_id` a user had in the Express/MongoDB backend: imported referrals resolve by it. */
    legacyId: text("legacy_id"),
    /** When the person was erased (src/data/erase.ts): the row stays for the books, anonymized. */
    erasedAt: millis("erased_at"),
    /** The language every message to the person is in (src/i18n). */
    locale: text("locale", { enum: locales }).notNull().default("en"),
    /** Whether the person gets notification SMS (a friend joined, points earned or expiring). */
    notifications: integer("notifications", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [
    uniqueIndex("users_phone_unique").on(t.phone),
    // Only rows with a value (SQLite indexes NULLs too): a signup has neither (migration 0030).
    uniqueIndex("users_external_id_unique")
      .on(t.externalId)
      .where(sql`${t.externalId} is not null`),
    uniqueIndex("users_legacy_id_unique").on(t.legacyId).where(sql`${t.legacyId} is not null`),
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

export const verificationPurposes = ["phone_verification", "password_reset"] as const;

/**
 * One-time codes sent by SMS: at most one live code per user and purpose (a new one
 * replaces the old). Only an HMAC of the code is stored; each check spends one attempt,
 * so guesses are bounded however many run in parallel.
 */
export const verificationCodes = sqliteTable(
  "verification_codes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose", { enum: verificationPurposes }).notNull(),
    codeHash: text("code_hash").notNull(),
    expiresAt: millis("expires_at").notNull(),
    attemptsLeft: integer("attempts_left").notNull(),
    usedAt: millis("used_at"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.purpose] }),
    check(
      "verification_codes_purpose_check",
      sql`${t.purpose} in ('phone_verification', 'password_reset')`,
    ),
    check("verification_codes_attempts_check", sql`${t.attemptsLeft} >= 0`),
  ],
);

/** The program: reward rules as versioned data. The newest version is in force. */
export const programs = sqliteTable("programs", {
  version: integer("version").primaryKey(),
  rules: text("rules", { mode: "json" }).notNull(),
  createdAt: millis("created_at").notNull(),
});

export const referralStatuses = ["pending", "qualified", "held", "rejected"] as const;

/** One reason of a hold with what it matched (src/program/rules.ts, `Hold`). */
export interface ReasonDetail {
  code: string;
  detail?: Record<string, string | number>;
}

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
    /** 1 for the referrer's first referral, 2 for the second…: signup order. */
    ordinal: integer("ordinal").notNull(),
    code: text("code").notNull(),
    status: text("status", { enum: referralStatuses }).notNull(),
    source: text("source").notNull(),
    programVersion: integer("program_version")
      .notNull()
      .references(() => programs.version),
    /**
     * Once qualified, what the referrer was paid: its qualified place's tier. While it
     * waits, what it pays if the referrals waiting ahead of it qualify first (pending).
     */
    referrerPoints: integer("referrer_points").notNull(),
    refereePoints: integer("referee_points").notNull(),
    inviteId: text("invite_id"),
    /** 1 for the referrer's first qualified referral…: decides the tier and milestones. */
    qualifiedOrdinal: integer("qualified_ordinal"),
    /** Why a referral is held for review (JSON array), or why it was rejected. */
    reasons: text("reasons", { mode: "json" }).$type<string[]>(),
    /**
     * What a hold matched, words-free, for its review: `[{ code, detail? }]` (e.g. the block
     * list entry, the budget); null when the reasons need no more (migration 0026).
     */
    reasonDetails: text("reason_details", { mode: "json" }).$type<ReasonDetail[]>(),
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
    /** How long an `unlock` reward's entitlement lasts; null: for good. */
    durationDays: integer("duration_days"),
    /** The reward's name per language (`{ en?, ur?, hi? }`); null: `name` in every language. */
    labels: text("labels", { mode: "json" }).$type<Labels>(),
    /** What a coupon of this reward is worth (src/rewards/discount.ts); null: not said. */
    discount: text("discount", { mode: "json" }).$type<Discount>(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    check("rewards_cost_check", sql`${t.cost} > 0`),
    check("rewards_kind_check", sql`${t.kind} in ('coupon', 'unlock')`),
  ],
);

/** What a coupon is worth at the shop's checkout (validated by src/rewards/discount.ts). */
export type Discount =
  | { type: "percent"; percent: number }
  | { type: "amount"; amount: number; currency: string }
  | { type: "product"; sku: string };

export const couponStatuses = ["issued", "used", "void"] as const;
export type CouponStatus = (typeof couponStatuses)[number];

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
    /**
     * issued → used (at checkout), used → issued (released: its order was refunded) or
     * issued → void (by an admin): a trigger refuses every other change, so that of racing
     * uses, releases or voids exactly one wins.
     */
    couponStatus: text("coupon_status", { enum: couponStatuses }),
    couponUsedAt: millis("coupon_used_at"),
    couponOrderId: text("coupon_order_id"),
    voidedAt: millis("voided_at"),
    voidReason: text("void_reason"),
    /** The reward's discount when the coupon was issued: what the coupon is worth. */
    discount: text("discount", { mode: "json" }).$type<Discount>(),
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
    /** Names the request holding the key: only it may complete the key (see idempotency.ts). */
    lockToken: text("lock_token").notNull().default(""),
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
/** What an outbox row carries: a person's invite, or a notification SMS to the user themself. */
export const outboxPurposes = [
  "invite",
  "friend_joined",
  "referral_rewarded",
  "milestone_reached",
  "points_expiring",
] as const;

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
    /** "invite", or a notification kind: then `user_id` is its recipient and `recipient` their phone. */
    purpose: text("purpose", { enum: outboxPurposes }).notNull().default("invite"),
    /** An invite's language (its own or its sender's); null: the recipient user's at sending. */
    locale: text("locale", { enum: locales }),
    /** A notification's values (points, name, reward, date), filled into its text when sent. */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>(),
    /** Makes a notification once-only per user (e.g. `expiry:2026-12-12`); null: no such limit. */
    onceKey: text("once_key"),
  },
  (t) => [
    // Only once-only notifications have a key (migration 0030).
    uniqueIndex("invites_once_unique").on(t.userId, t.onceKey).where(sql`${t.onceKey} is not null`),
    index("invites_user_idx").on(t.userId, t.createdAt),
    index("invites_recipient_idx").on(t.userId, t.recipient, t.createdAt),
    index("invites_due_idx").on(t.status, t.nextAttemptAt),
    check("invites_channel_check", sql`${t.channel} in ('email', 'sms')`),
    check("invites_status_check", sql`${t.status} in ('queued', 'sent', 'failed', 'joined')`),
  ],
);

/** Texts an admin reworded (`/v1/admin/messages`); a kind and locale without a row uses the default. */
export const messageTexts = sqliteTable(
  "message_texts",
  {
    kind: text("kind").notNull(),
    locale: text("locale", { enum: locales }).notNull(),
    text: text("text").notNull(),
    updatedAt: millis("updated_at").notNull(),
    updatedBy: text("updated_by"),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.locale] }),
    check("message_texts_locale_check", sql`${t.locale} in ('en', 'ur', 'hi')`),
  ],
);

/**
 * How invite links reach the app (`/v1/admin/link-settings`): one row at most (id 1), the
 * settings as one JSON document validated by src/links/settings.ts on the way in and out.
 */
export const linkSettings = sqliteTable(
  "link_settings",
  {
    id: integer("id").primaryKey(),
    settings: text("settings", { mode: "json" }).notNull(),
    updatedAt: millis("updated_at").notNull(),
    updatedBy: text("updated_by"),
  },
  (t) => [check("link_settings_single_row_check", sql`${t.id} = 1`)],
);

/** Where a scheduled job that works through a range in bounded runs stopped last time. */
export const jobCursors = sqliteTable("job_cursors", {
  name: text("name").primaryKey(),
  position: text("position").notNull(),
});

/** SMS messages handed to a provider per UTC day, against `SMS_DAILY_BUDGET`. */
export const smsUsage = sqliteTable(
  "sms_usage",
  {
    day: text("day").primaryKey(),
    sent: integer("sent").notNull(),
  },
  (t) => [check("sms_usage_sent_check", sql`${t.sent} >= 0`)],
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
    // A page of one target's (ids are unique across types) or one actor's entries, newest
    // first, read in index order (GET /v1/admin/audit-log).
    index("audit_log_target_idx").on(t.targetId, t.id),
    index("audit_log_actor_idx").on(t.actorId, t.id),
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
    /** When the entitlement ends (e.g. a month of premium); null: never. */
    expiresAt: millis("expires_at"),
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
 * ledger keep it: a credit opens a lot, a debit consumes lots in order of expiry (recorded
 * in lot_consumptions). The sum of a user's lots is their ledger balance; the lots not yet
 * expired are what they can spend.
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
    // A debit reads a user's lots in spending order, stopping once it is covered. Exhausted
    // lots (remaining 0) are kept, out of both indexes, so that no read ever passes them.
    index("point_lots_spending_order_idx")
      .on(t.userId, t.expiresAt, t.ledgerEntryId)
      .where(sql`${t.remaining} > 0`),
    index("point_lots_expiry_idx").on(t.expiresAt).where(sql`${t.remaining} > 0`),
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
 * window, counted by an atomic upsert (on its own, or inside the write it limits). Housekeeping deletes rows whose window is over.
 */
export const rateLimitCounters = sqliteTable(
  "rate_limit_counters",
  {
    /** Rule name, a hash of the subject, and the window's start. */
    key: text("key").primaryKey(),
    count: integer("count").notNull(),
    expiresAt: millis("expires_at").notNull(),
    /**
     * The limit, for a counter counted inside a write's own batch: a count past it fails the
     * batch (migration 0029). Null for counters whose upsert checks the limit itself.
     */
    maxCount: integer("max_count"),
  },
  (t) => [
    index("rate_limit_counters_expires_idx").on(t.expiresAt),
    check(
      "rate_limit_counters_within_limit",
      sql`${t.maxCount} is null or ${t.count} <= ${t.maxCount}`,
    ),
  ],
);

export const webhookDeliveryStatuses = ["pending", "delivered", "failed"] as const;

/** Admins' subscribed endpoints. The secret is kept as issued: every delivery is signed with it. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    url: text("url").notNull(),
    /** Event types, or ["*"] for all; matched in SQL (json_each) when an event fans out. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    secret: text("secret").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** Deliveries that failed for good since the last one delivered: 20 deactivate it. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [index("webhook_endpoints_active_idx").on(t.active)],
);

/** The outbox: one row per event, written in the batch of the change it describes. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** The event's `data`, as JSON text exactly as it is sent. */
    data: text("data").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  // Events are kept for WEBHOOK_EVENT_RETENTION_MS, then purged oldest first.
  (t) => [index("webhook_events_created_idx").on(t.createdAt)],
);

/** One event to one endpoint: fanned out in the event's own batch, then sent and retried. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    status: text("status", { enum: webhookDeliveryStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: millis("next_attempt_at"),
    lockedUntil: millis("locked_until"),
    deliveredAt: millis("delivered_at"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_idx").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    check(
      "webhook_deliveries_status_check",
      sql`${t.status} in ('pending', 'delivered', 'failed')`,
    ),
  ],
);

/**
 * What each debit took from each lot, written by the ledger trigger that consumes the lots
 * (so it is atomic with the debit): the points and the lot's expiry. A refund or a voided
 * spend returns exactly these, with their original expiries. Append-only, like the ledger.
 */
export const lotConsumptions = sqliteTable(
  "lot_consumptions",
  {
    debitEntryId: text("debit_entry_id").notNull(),
    lotEntryId: text("lot_entry_id").notNull(),
    userId: text("user_id").notNull(),
    points: integer("points").notNull(),
    expiresAt: millis("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.debitEntryId, t.lotEntryId] }),
    check("lot_consumptions_points_check", sql`${t.points} > 0`),
  ],
);

/** A debit given back to its user (refund, void): at most once, which the primary key enforces. */
export const debitReturns = sqliteTable("debit_returns", {
  debitEntryId: text("debit_entry_id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id),
  /** All the debit took: a return never gives back more, nor part of it twice. */
  points: integer("points").notNull(),
  createdAt: millis("created_at").notNull(),
});

/** Points spent in the shop's own checkout: one spend per order of a user. */
export const pointSpends = sqliteTable(
  "point_spends",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    orderId: text("order_id").notNull(),
    points: integer("points").notNull(),
    description: text("description").notNull(),
    /** The `redemption` ledger entry of the spend: refunds give back what it consumed. */
    ledgerEntryId: text("ledger_entry_id").notNull(),
    /** Points given back so far; a trigger keeps it within `points` (src/db/triggers.ts). */
    refundedPoints: integer("refunded_points").notNull().default(0),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    // An order is paid with points once, whatever retries or races happen. Order ids are
    // the shop's, unique to its user: another user's order may have the same one.
    uniqueIndex("point_spends_user_order_unique").on(t.userId, t.orderId),
    index("point_spends_user_idx").on(t.userId, t.id),
    check("point_spends_points_check", sql`${t.points} > 0`),
  ],
);

/**
 * One checkout of an order of a user (`POST /v1/users/{id}/checkout`): the coupon it used and
 * the spend it made, written in the batch that does both. One per order of a user.
 */
export const checkouts = sqliteTable(
  "checkouts",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    orderId: text("order_id").notNull(),
    couponCode: text("coupon_code"),
    spendId: text("spend_id"),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [uniqueIndex("checkouts_user_order_unique").on(t.userId, t.orderId)],
);

export const apiKeyScopes = ["events", "coupons", "wallet", "users", "embed", "imports"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Server API keys of the shop's back ends. Only a SHA-256 of the secret is stored. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<ApiKeyScope[]>().notNull(),
    /** The first characters of the secret, so that people can tell their keys apart. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: millis("created_at").notNull(),
    lastUsedAt: millis("last_used_at"),
    revokedAt: millis("revoked_at"),
  },
  // Every server call finds its key by an equality read on the hash.
  (t) => [uniqueIndex("api_keys_secret_hash_unique").on(t.secretHash)],
);

/**
 * Never holds a row: a write's batch inserts the key that calls only when that key is no
 * longer live (`serverKeyGuard` in src/credentials/server-keys.ts), and the CHECK refuses
 * the insert, which fails the whole batch. So a write that checked its key on a replica
 * still writes nothing once the key is revoked on the primary.
 */
export const revokedServerKeyWrites = sqliteTable(
  "revoked_server_key_writes",
  { apiKeyId: text("api_key_id").notNull() },
  () => [check("server_key_revoked", sql`0`)],
);

export const blocklistTypes = ["phone_prefix", "country", "ip", "device"] as const;
export const blocklistActions = ["refuse", "hold"] as const;

/**
 * The block list (src/fraud/): phone prefixes, countries, IP ranges and devices that are
 * refused or held. Values are stored in one spelling (src/fraud/blocklist-rules.ts).
 */
export const blocklistEntries = sqliteTable(
  "blocklist_entries",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: blocklistTypes }).notNull(),
    value: text("value").notNull(),
    action: text("action", { enum: blocklistActions }).notNull(),
    note: text("note"),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: millis("created_at").notNull(),
  },
  (t) => [
    check(
      "blocklist_entries_type_check",
      sql`${t.type} in ('phone_prefix', 'country', 'ip', 'device')`,
    ),
    check("blocklist_entries_action_check", sql`${t.action} in ('refuse', 'hold')`),
  ],
);

/**
 * Referral points paid per UTC day (`d:2026-12-05`) and month (`m:2026-12`), against the
 * program's `budget`: every payment adds its points in its own batch, and the CHECK fails
 * a batch that would pass the budget, so parallel payments can never pay past it.
 */
export const pointsBudgetUsage = sqliteTable(
  "points_budget_usage",
  {
    period: text("period").primaryKey(),
    points: integer("points").notNull().default(0),
    /** The budget the last payment was made under; null: none. */
    budget: integer("budget"),
  },
  (t) => [
    check(
      "points_budget_usage_within_budget",
      sql`${t.budget} is null or ${t.points} <= ${t.budget}`,
    ),
  ],
);
