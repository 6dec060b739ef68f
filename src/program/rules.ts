import { z } from "zod";
import { type Campaign, type CampaignContext, campaignsCompleted } from "../campaigns/rules";
import { DAY_MS } from "../lib/time";

const TierSchema = z.object({
  /** The referral ordinal (1-based) from which this tier's points apply. */
  fromReferral: z.number().int().min(1),
  points: z.number().int().min(0).max(1_000_000),
});

const MilestoneSchema = z.object({
  /** Qualified referrals that reach this milestone. */
  referrals: z.number().int().min(1),
  /** The entitlement it unlocks, e.g. "free_theme". */
  unlock: z.string().regex(/^[a-z0-9_]{1,64}$/),
  bonusPoints: z.number().int().min(0).max(1_000_000).default(0),
});

const BadgeSchema = z.object({
  name: z.string().min(1).max(40),
  referrals: z.number().int().min(1),
});

function ascendingBy<T>(key: (item: T) => number) {
  return (items: readonly T[]) =>
    items.every((item, i) => i === 0 || key(item) > key(items[i - 1] as T));
}

/**
 * The reward rules of a program version, stored as JSON in D1 (`programs.rules`) and
 * validated here on the way in and out.
 */
export const ProgramRulesSchema = z.object({
  /** Points for a new user who signs up with a valid code (`signup_bonus`). */
  refereeBonus: z.number().int().min(0).max(1_000_000),
  /** Points for the referrer by the referral's ordinal; the first tier starts at 1. */
  referrerTiers: z
    .array(TierSchema)
    .min(1)
    .max(20)
    .refine((tiers) => tiers[0]?.fromReferral === 1, "the first tier must start at referral 1")
    .refine(
      ascendingBy((tier: Tier) => tier.fromReferral),
      "tiers must be in increasing order of fromReferral",
    ),
  /** When a referral pays out. `signup`: at once. */
  qualification: z.literal("signup"),
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
});

export type ProgramRules = z.infer<typeof ProgramRulesSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type Milestone = z.infer<typeof MilestoneSchema>;
export type Badge = z.infer<typeof BadgeSchema>;

export interface Program {
  version: number;
  rules: ProgramRules;
}

/** Index of the tier that pays for referral number `ordinal`. */
function tierIndexFor(ordinal: number, tiers: readonly Tier[]): number {
  return tiers.findLastIndex((tier) => tier.fromReferral <= ordinal);
}

/**
 * Points the referrer earns for their `ordinal`-th referral.
 *
 * @example referrerPointsFor(4, defaultTiers) // 100
 */
export function referrerPointsFor(ordinal: number, tiers: readonly Tier[]): number {
  return tiers[tierIndexFor(ordinal, tiers)]?.points ?? 0;
}

/**
 * Where a referrer with `referrals` referrals stands: the tier the next referral pays in
 * (1-based) and the referral count at which the following tier starts (null at the top).
 */
export function tierStanding(
  referrals: number,
  tiers: readonly Tier[],
): { current: number; nextAt: number | null } {
  const index = tierIndexFor(referrals + 1, tiers);
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

export interface ReferralSignupPlan {
  ordinal: number;
  status: "qualified";
  referrerPoints: number;
  refereePoints: number;
  pointsExpireAt: number | null;
  /** Milestones the referrer reaches with this referral. */
  milestones: Milestone[];
  /** Campaigns this referral completes for the referrer. */
  campaigns: Campaign[];
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
 * What a signup with a referrer's code earns both sides. `referrer` holds the referrer's
 * counts as read; the plan claims the next ordinal, which the database accepts only if
 * nobody claimed it first — so the counts it decided on were current.
 */
export function planReferralSignup(
  referrer: { total: number; qualified: number; campaigns: CampaignContext },
  program: Program,
  now: number,
): ReferralSignupPlan {
  const ordinal = referrer.total + 1;
  return {
    ordinal,
    status: "qualified",
    referrerPoints: referrerPointsFor(ordinal, program.rules.referrerTiers),
    refereePoints: program.rules.refereeBonus,
    pointsExpireAt: pointsExpireAt(now, program.rules),
    milestones: milestonesReached(
      referrer.qualified,
      referrer.qualified + 1,
      program.rules.milestones,
    ),
    campaigns: campaignsCompleted(referrer.campaigns, now),
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

/** The first milestone not yet reached with `referrals` qualified referrals, or null. */
export function nextMilestone(
  referrals: number,
  milestones: readonly Milestone[],
): { referrals: number; reward: string } | null {
  const next = milestones.find((milestone) => milestone.referrals > referrals);
  return next ? { referrals: next.referrals, reward: next.unlock } : null;
}
