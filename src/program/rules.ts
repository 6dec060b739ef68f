import { type Campaign, type CampaignContext, campaignsCompleted } from "../campaigns/rules";
import { DAY_MS } from "../lib/time";
import {
  type BudgetUsage,
  budgetHold,
  type FraudSignals,
  type Hold,
  type HoldReason,
  holdsOf,
} from "./holds";
import {
  type Badge,
  type Milestone,
  type Program,
  type ProgramRules,
  REFUND_EVENT,
  type Tier,
} from "./schemas";

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

/** Everything a qualification pays: both sides and the bonuses it brings. */
export function pointsOfQualification(refereePoints: number, plan: QualificationPlan): number {
  return (
    refereePoints +
    plan.referrerPoints +
    plan.milestones.reduce((sum, milestone) => sum + milestone.bonusPoints, 0) +
    plan.campaigns.reduce((sum, campaign) => sum + campaign.bonusPoints, 0)
  );
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
