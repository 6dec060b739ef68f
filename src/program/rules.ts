import { z } from "zod";
import { type Campaign, type CampaignContext, campaignsCompleted } from "../campaigns/rules";
import { locales } from "../i18n/locales";
import { LabelsSchema } from "../i18n/schemas";
import { PHONE_TYPES } from "../lib/phone";
import { DAY_MS } from "../lib/time";

const TierSchema = z
  .object({
    /** The qualified place (1-based, in the order referrals qualify) where this tier starts. */
    fromReferral: z.number().int().min(1),
    /** Fixed points for the referrer; or, instead, `percentOfAmount`. */
    points: z.number().int().min(0).max(1_000_000).optional(),
    /** Points as this percent of the qualifying event's amount, rounded down. */
    percentOfAmount: z.number().gt(0).max(100).optional(),
    /** With `percentOfAmount`: the most the tier pays; absent, no cap. */
    maxPoints: z.number().int().min(0).max(1_000_000).optional(),
  })
  .refine((tier) => (tier.points === undefined) !== (tier.percentOfAmount === undefined), {
    message: "give exactly one of points and percentOfAmount",
    path: ["points"],
  })
  .refine((tier) => tier.maxPoints === undefined || tier.percentOfAmount !== undefined, {
    message: "maxPoints caps a percentOfAmount tier only",
    path: ["maxPoints"],
  });

const MilestoneSchema = z.object({
  /** Qualified referrals that reach this milestone. */
  referrals: z.number().int().min(1),
  /** The entitlement it unlocks, e.g. "free_theme". */
  unlock: z.string().regex(/^[a-z0-9_]{1,64}$/),
  bonusPoints: z.number().int().min(0).max(1_000_000).default(0),
  /** How long the unlock lasts (e.g. 30 for a month of premium); absent: for good. */
  durationDays: z.number().int().min(1).max(3650).optional(),
  /** What people read for the unlock, per language; absent: the catalogue's or the key in words. */
  labels: LabelsSchema.optional(),
});

const BadgeSchema = z.object({
  name: z.string().min(1).max(40),
  referrals: z.number().int().min(1),
  /** The badge's name per language; absent: `name`. */
  labels: LabelsSchema.optional(),
});

/** Which notification SMS the program sends (each person can still turn all of them off). */
const NotificationSwitchesSchema = z
  .object({
    friendJoined: z.boolean().default(true),
    referralRewarded: z.boolean().default(true),
    milestoneReached: z.boolean().default(true),
    pointsExpiring: z.boolean().default(true),
  })
  .strict();

/** The event type that reverses a referral; always accepted. */
export const REFUND_EVENT = "refund";

const EventTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, "must be signup or an event type such as purchase");

function ascendingBy<T>(key: (item: T) => number) {
  return (items: readonly T[]) =>
    items.every((item, i) => i === 0 || key(item) > key(items[i - 1] as T));
}

/**
 * The reward rules of a program version, stored as JSON in D1 (`programs.rules`) and
 * validated here on the way in and out.
 */
const ProgramRulesFields = z.object({
  /** Points for a new user who signs up with a valid code (`signup_bonus`). */
  refereeBonus: z.number().int().min(0).max(1_000_000),
  /**
   * Points for the referrer by the referral's qualified place (1 for the first referral to
   * qualify, whatever its signup order); the first tier starts at 1.
   */
  referrerTiers: z
    .array(TierSchema)
    .min(1)
    .max(20)
    .refine((tiers) => tiers[0]?.fromReferral === 1, "the first tier must start at referral 1")
    .refine(
      ascendingBy((tier: Tier) => tier.fromReferral),
      "tiers must be in increasing order of fromReferral",
    ),
  /**
   * When a referral pays out: "signup" (at once) or the event type that qualifies it, such
   * as "purchase" (both sides are paid on the referee's first such event).
   */
  qualification: EventTypeSchema.refine(
    (value) => value !== REFUND_EVENT,
    "refund cannot qualify a referral",
  ).default("signup"),
  /**
   * The event types the product's back end may send besides `refund`; any other type is
   * refused, so that a typo is an error rather than an event that silently does nothing.
   * The qualification type is always accepted too (see `acceptsEventType`).
   */
  eventTypes: z
    .array(EventTypeSchema.refine((value) => value !== REFUND_EVENT, "refund is always accepted"))
    .max(20)
    .default(["purchase"]),
  /**
   * A new referral stays pending until its referee has verified their phone by SMS code:
   * made-up numbers earn the referrer nothing. Off by default.
   */
  requireVerifiedPhone: z.boolean().default(false),
  /** A refund within this many days of qualification reverses the referral's rewards. */
  holdDays: z.number().int().min(0).max(365).default(14),
  /** Rewarded referrals per referrer beyond which new ones are held for review. */
  caps: z
    .object({
      perDay: z.number().int().min(1).nullable(),
      perMonth: z.number().int().min(1).nullable(),
    })
    .default({ perDay: null, perMonth: null }),
  /**
   * Referral points (both sides and bonuses) paid per UTC day and calendar month: a referral
   * whose payment would pass one is held (`budget_exhausted`) until an admin approves it.
   */
  budget: z
    .object({
      pointsPerDay: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
      pointsPerMonth: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
    })
    .default({ pointsPerDay: null, pointsPerMonth: null }),
  /** A referee whose phone has one of these libphonenumber types is held (`phone_type`). */
  holdPhoneTypes: z
    .array(z.enum(PHONE_TYPES))
    .max(PHONE_TYPES.length)
    .refine((types) => new Set(types).size === types.length, "each type at most once")
    .default([]),
  /**
   * A referee whose phone's country is not the request's country is held
   * (`country_mismatch`); a request without a country holds nothing.
   */
  holdOnCountryMismatch: z.boolean().default(false),
  /** Earned points expire this many days after they were credited; null: never. */
  pointsExpiryDays: z.number().int().min(1).max(3650).nullable(),
  /** Referral codes stop working this many days after they were issued; null: never. */
  codeExpiryDays: z.number().int().min(1).max(3650).nullable(),
  milestones: z
    .array(MilestoneSchema)
    .max(50)
    .refine(
      ascendingBy((m: Milestone) => m.referrals),
      "milestones must be in increasing order of referrals",
    )
    .default([]),
  badges: z
    .array(BadgeSchema)
    .max(20)
    .refine(
      ascendingBy((b: Badge) => b.referrals),
      "badges must be in increasing order of referrals",
    )
    .default([]),
  /** The language of a person whose request named none and whose browser asks for none we speak. */
  defaultLocale: z.enum(locales).default("en"),
  notifications: NotificationSwitchesSchema.default({
    friendJoined: true,
    referralRewarded: true,
    milestoneReached: true,
    pointsExpiring: true,
  }),
  /**
   * With qualification by event: an event whose `amount` is below this (or has none)
   * qualifies nothing; null: any amount.
   */
  minimumAmount: z.number().int().min(0).max(1_000_000_000).nullable().default(null),
});

export const ProgramRulesSchema = ProgramRulesFields
  // Amounts come with events: at signup there is none to take a percent of or to compare.
  .refine(
    (rules) =>
      rules.qualification !== "signup" ||
      rules.referrerTiers.every((tier) => tier.percentOfAmount === undefined),
    { message: "percentOfAmount needs qualification by an event", path: ["referrerTiers"] },
  )
  .refine((rules) => rules.qualification !== "signup" || rules.minimumAmount === null, {
    message: "minimumAmount needs qualification by an event",
    path: ["minimumAmount"],
  });

export type ProgramRules = z.infer<typeof ProgramRulesSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type Milestone = z.infer<typeof MilestoneSchema>;
export type Badge = z.infer<typeof BadgeSchema>;
export type NotificationSwitches = z.infer<typeof NotificationSwitchesSchema>;

export interface Program {
  version: number;
  rules: ProgramRules;
}

/**
 * Whether the product's back end may send events of `type` under these rules: `refund`,
 * the types the program lists, and the event type that qualifies its referrals.
 *
 * @example acceptsEventType(defaultRules, "purchse") // false
 */
export function acceptsEventType(rules: ProgramRules, type: string): boolean {
  const qualifiesBy = rules.qualification === "signup" ? null : rules.qualification;
  return type === REFUND_EVENT || type === qualifiesBy || rules.eventTypes.includes(type);
}

/** Index of the tier that pays for the referral that qualifies in place `place`. */
function tierIndexFor(place: number, tiers: readonly Tier[]): number {
  return tiers.findLastIndex((tier) => tier.fromReferral <= place);
}

/**
 * Points the referrer earns for the referral that qualifies in place `place` (the 4th
 * referral to qualify is place 4), by an event of `amount` when it qualifies by one. A
 * `percentOfAmount` tier pays nothing without an amount: a waiting referral, whose event
 * has not come, shows 0 for it.
 *
 * @example referrerPointsFor(4, defaultTiers) // 100
 * @example referrerPointsFor(1, [{ fromReferral: 1, percentOfAmount: 5, maxPoints: 300 }], 10_000) // 300
 */
export function referrerPointsFor(
  place: number,
  tiers: readonly Tier[],
  amount: number | null = null,
): number {
  const tier = tiers[tierIndexFor(place, tiers)];
  if (tier?.percentOfAmount === undefined) return tier?.points ?? 0;
  if (amount === null) return 0;
  const points = Math.floor((amount * tier.percentOfAmount) / 100);
  return Math.min(points, tier.maxPoints ?? points);
}

/**
 * Whether an event of `type` with `amount` is one that qualifies a referral under these
 * rules: of the qualification type, and at least `minimumAmount` when there is one.
 */
export function qualifiesByEvent(
  rules: ProgramRules,
  event: { type: string; amount: number | null },
): boolean {
  if (rules.qualification === "signup" || event.type !== rules.qualification) return false;
  return rules.minimumAmount === null || (event.amount ?? -1) >= rules.minimumAmount;
}

/**
 * Where a referrer whose referrals have claimed `places` qualified places stands: the
 * tier the next referral to qualify pays in (1-based) and the place at which the
 * following tier starts (null at the top).
 */
export function tierStanding(
  places: number,
  tiers: readonly Tier[],
): { current: number; nextAt: number | null } {
  const index = tierIndexFor(places + 1, tiers);
  return { current: index + 1, nextAt: tiers[index + 1]?.fromReferral ?? null };
}

/** When points credited at `earnedAt` expire, or null when the program keeps them forever. */
export function pointsExpireAt(earnedAt: number, rules: ProgramRules): number | null {
  return rules.pointsExpiryDays === null ? null : earnedAt + rules.pointsExpiryDays * DAY_MS;
}

/** When a referral code issued at `issuedAt` stops working, or null when codes do not expire. */
export function codeExpiresAt(issuedAt: number, rules: ProgramRules): number | null {
  return rules.codeExpiryDays === null ? null : issuedAt + rules.codeExpiryDays * DAY_MS;
}

/** What a signup knows about the people behind a referral, for fraud decisions. */
export interface FraudSignals {
  sameDevice: boolean;
  sameIp: boolean;
  /** The referrer's referrals rewarded in the last day and in this calendar month. */
  rewardedToday: number;
  rewardedThisMonth: number;
  /** Block list entries with action `hold` that the referee matched. */
  blocklisted?: readonly { entryId: string; type: string; value: string; on?: string }[];
  /** The referee phone's libphonenumber type and country, and the request's country. */
  phoneType?: string | null;
  phoneCountry?: string | null;
  requestCountry?: string | null;
}

export type HoldReason =
  | "same_device"
  | "same_ip"
  | "daily_cap"
  | "monthly_cap"
  | "blocklisted"
  | "phone_type"
  | "country_mismatch"
  | "budget_exhausted";

/**
 * A reason to hold, with what it matched for the review queue (words-free: the console
 * words it): the block list entry, the phone type, the two countries, the budget.
 */
export interface Hold {
  code: HoldReason;
  detail?: Record<string, string | number>;
}

/**
 * The velocity caps a referrer is at: as many rewarded referrals today, or this month, as
 * the program allows. Checked when a referral is made and again when a waiting one
 * qualifies, so that referrals made together while the referrer was under the cap do not
 * all pay later.
 */
export function capHolds(
  rewarded: { rewardedToday: number; rewardedThisMonth: number },
  rules: Pick<ProgramRules, "caps">,
): Hold[] {
  const holds: Hold[] = [];
  if (rules.caps.perDay !== null && rewarded.rewardedToday >= rules.caps.perDay) {
    holds.push({ code: "daily_cap", detail: { cap: rules.caps.perDay } });
  }
  if (rules.caps.perMonth !== null && rewarded.rewardedThisMonth >= rules.caps.perMonth) {
    holds.push({ code: "monthly_cap", detail: { cap: rules.caps.perMonth } });
  }
  return holds;
}

/**
 * Why a new referral must wait for review, if it must: a referee on the referrer's own
 * device or network, a referrer past the program's velocity caps, a referee held by the
 * block list, by their phone's type or by a phone from another country than the request.
 */
export function holdsOf(signals: FraudSignals, rules: ProgramRules): Hold[] {
  const holds: Hold[] = [];
  if (signals.sameDevice) holds.push({ code: "same_device" });
  if (signals.sameIp) holds.push({ code: "same_ip" });
  holds.push(...capHolds(signals, rules));
  for (const match of signals.blocklisted ?? []) {
    const { entryId, type, value, on } = match;
    holds.push({ code: "blocklisted", detail: { entryId, type, value, ...(on ? { on } : {}) } });
  }
  const phoneType = signals.phoneType ?? null;
  if (phoneType !== null && (rules.holdPhoneTypes as readonly string[]).includes(phoneType)) {
    holds.push({ code: "phone_type", detail: { phoneType } });
  }
  const { phoneCountry, requestCountry } = signals;
  if (rules.holdOnCountryMismatch && phoneCountry && requestCountry) {
    if (phoneCountry !== requestCountry.toUpperCase()) {
      holds.push({ code: "country_mismatch", detail: { phoneCountry, requestCountry } });
    }
  }
  return holds;
}

/** The codes of `holdsOf`. */
export function holdReasons(signals: FraudSignals, rules: ProgramRules): HoldReason[] {
  return holdsOf(signals, rules).map((hold) => hold.code);
}

/** Points paid so far in the current UTC day and calendar month (all referrals). */
export interface BudgetUsage {
  day: number;
  month: number;
}

/** Everything a qualification pays: both sides and the bonuses it brings. */
export function pointsOfQualification(refereePoints: number, plan: QualificationPlan): number {
  return (
    refereePoints +
    plan.referrerPoints +
    plan.milestones.reduce((sum, milestone) => sum + milestone.bonusPoints, 0) +
    plan.campaigns.reduce((sum, campaign) => sum + campaign.bonusPoints, 0)
  );
}

/**
 * The hold for a payment of `points` that would pass the program's daily or monthly
 * budget, or null. The database enforces the same limit (points_budget_usage): this keeps
 * the usual case from failing a batch.
 *
 * @example budgetHold({ ...rules, budget: { pointsPerDay: 100, pointsPerMonth: null } }, { day: 90, month: 90 }, 70)
 * // { code: "budget_exhausted", detail: { period: "day", budget: 100, used: 90, points: 70 } }
 */
export function budgetHold(rules: ProgramRules, used: BudgetUsage, points: number): Hold | null {
  for (const [period, budget, spent] of [
    ["day", rules.budget.pointsPerDay, used.day],
    ["month", rules.budget.pointsPerMonth, used.month],
  ] as const) {
    if (budget !== null && spent + points > budget) {
      return { code: "budget_exhausted", detail: { period, budget, used: spent, points } };
    }
  }
  return null;
}

export interface QualificationPlan {
  /** 1 for the referrer's first qualified referral: unique per referrer. */
  qualifiedOrdinal: number;
  /** The referrer's points: the tier of the qualified place, not of the signup order. */
  referrerPoints: number;
  /** Milestones the referrer reaches with this referral. */
  milestones: Milestone[];
  /** Campaigns this referral completes for the referrer. */
  campaigns: Campaign[];
}

/**
 * What qualifying one more referral of a referrer brings, from what they have claimed as
 * read. The next qualified position follows the highest one ever claimed: a reversed
 * referral keeps its position, so positions are never reused, the tier of a position is
 * paid once, and the milestone at a position is reached (and paid) once, by the referral
 * that claims it. An erased referrer still has the position counted (their referee's
 * referral is real) but gets nothing: no reward, milestone or campaign bonus.
 */
export function planQualification(
  referrer: { lastQualifiedOrdinal: number; campaigns: CampaignContext; erased?: boolean },
  rules: ProgramRules,
  now: number,
  /** The amount of the event that qualifies it (null at signup or on an event without one). */
  amount: number | null = null,
): QualificationPlan {
  const claimed = referrer.lastQualifiedOrdinal;
  if (referrer.erased) {
    return { qualifiedOrdinal: claimed + 1, referrerPoints: 0, milestones: [], campaigns: [] };
  }
  return {
    qualifiedOrdinal: claimed + 1,
    referrerPoints: referrerPointsFor(claimed + 1, rules.referrerTiers, amount),
    milestones: milestonesReached(claimed, claimed + 1, rules.milestones),
    campaigns: campaignsCompleted(referrer.campaigns, now),
  };
}

/**
 * Whether a waiting referral may pay now: its qualifying step happened (the signup itself,
 * or the referee's qualifying event) and, when the program asks for it, the referee's
 * phone is verified.
 */
export function readyToQualify(
  rules: ProgramRules,
  referee: { qualifyingEventSeen: boolean; phoneVerified: boolean },
): boolean {
  const stepDone = rules.qualification === "signup" || referee.qualifyingEventSeen;
  return stepDone && (referee.phoneVerified || !rules.requireVerifiedPhone);
}

/** Whether a refund at `now` still reverses a referral qualified at `qualifiedAt`. */
export function withinHoldPeriod(qualifiedAt: number, now: number, rules: ProgramRules): boolean {
  return now - qualifiedAt <= rules.holdDays * DAY_MS;
}

export interface ReferralSignupPlan {
  ordinal: number;
  status: "qualified" | "pending" | "held";
  reasons: HoldReason[];
  /** The holds with what they matched (for the review queue). */
  holds: Hold[];
  /**
   * Paid now when it qualifies at signup; for a waiting referral, what it pays if the
   * referrals waiting ahead of it qualify first (shown, and counted as pending, until it
   * qualifies and its place decides).
   */
  referrerPoints: number;
  refereePoints: number;
  pointsExpireAt: number | null;
  /** Set when the referral qualifies at signup. */
  qualification: QualificationPlan | null;
}

/** Milestones crossed when qualified referrals go from `before` to `after`. */
export function milestonesReached(
  before: number,
  after: number,
  milestones: readonly Milestone[],
): Milestone[] {
  return milestones.filter(
    (milestone) => milestone.referrals > before && milestone.referrals <= after,
  );
}

/**
 * What a signup with a referrer's code does: claim the referrer's next ordinal (which the
 * database accepts only if nobody claimed it first — so the counts decided on were
 * current), and either qualify at once (claiming the next qualified place, whose tier
 * pays), wait for the qualifying event, or hold for review — taking no tier place until
 * it qualifies.
 */
export function planReferralSignup(
  referrer: {
    total: number;
    lastQualifiedOrdinal: number;
    /** The referrer's referrals still pending or held. */
    waiting: number;
    campaigns: CampaignContext;
    signals: FraudSignals;
    /** Points paid today and this month; absent: no budget is checked. */
    budgetUsed?: BudgetUsage;
  },
  program: Program,
  now: number,
): ReferralSignupPlan {
  const ordinal = referrer.total + 1;
  const holds = holdsOf(referrer.signals, program.rules);
  // A new referee has not verified a phone yet: with that rule, nothing qualifies at signup.
  const paysNow =
    holds.length === 0 &&
    program.rules.qualification === "signup" &&
    !program.rules.requireVerifiedPhone;
  let qualification = paysNow ? planQualification(referrer, program.rules, now) : null;
  const overBudget =
    qualification && referrer.budgetUsed
      ? budgetHold(
          program.rules,
          referrer.budgetUsed,
          pointsOfQualification(program.rules.refereeBonus, qualification),
        )
      : null;
  if (overBudget) {
    holds.push(overBudget);
    qualification = null;
  }
  const status = holds.length > 0 ? "held" : qualification ? "qualified" : "pending";
  return {
    ordinal,
    status,
    reasons: holds.map((hold) => hold.code),
    holds,
    referrerPoints:
      qualification?.referrerPoints ??
      referrerPointsFor(
        referrer.lastQualifiedOrdinal + referrer.waiting + 1,
        program.rules.referrerTiers,
      ),
    refereePoints: program.rules.refereeBonus,
    pointsExpireAt: pointsExpireAt(now, program.rules),
    qualification,
  };
}

/**
 * The highest badge earned with `referrals` qualified referrals, or null.
 *
 * @example badgeFor(20, defaultBadges) // "Silver"
 */
export function badgeFor(referrals: number, badges: readonly Badge[]): string | null {
  return badges.findLast((badge) => badge.referrals <= referrals)?.name ?? null;
}

/** Badges earned when qualified referrals go from `before` to `after`. */
export function badgesReached(before: number, after: number, badges: readonly Badge[]): Badge[] {
  return badges.filter((badge) => badge.referrals > before && badge.referrals <= after);
}

/** The first milestone not yet reached with `referrals` qualified referrals, or null. */
export function nextMilestone(
  referrals: number,
  milestones: readonly Milestone[],
): { referrals: number; reward: string } | null {
  const next = milestones.find((milestone) => milestone.referrals > referrals);
  return next ? { referrals: next.referrals, reward: next.unlock } : null;
}
