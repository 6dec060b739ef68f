import { badgeFor, nextMilestone, type ProgramRules, tierStanding } from "../program/rules";

export interface ReferralCounters {
  total: number;
  qualified: number;
  pointsEarned: number;
  /** Qualified places claimed (reversed referrals keep theirs): what the tier follows. */
  places: number;
}

export interface SourceCounters {
  source: string;
  clicks: number;
  signups: number;
}

/** What `conversionRate` means, for the API document (GET /v1/me/stats, admin analytics). */
export const CONVERSION_RATE_NOTE =
  "Qualified ÷ referred signups, a fraction in [0, 1] (0 when there are none); imported referrals count on both sides.";

/**
 * Qualified referrals per referred signup: a fraction in [0, 1] to four decimals, 0 before
 * the first signup. Over a date range a referral may qualify inside it after signing up
 * before it, so the ratio is capped at 1.
 *
 * @example conversionRate(3, 4) // 0.75
 */
export function conversionRate(qualified: number, referredSignups: number): number {
  if (referredSignups <= 0) return 0;
  return Math.round(Math.min(1, Math.max(0, qualified / referredSignups)) * 10_000) / 10_000;
}

/**
 * A referrer's dashboard numbers from their counters and the program: pure, so that what
 * "tier", "badge" and "next milestone" mean is tested without D1.
 */
export function referrerStats(
  counters: ReferralCounters,
  sources: readonly SourceCounters[],
  rules: ProgramRules,
) {
  const clicks = sources.reduce((sum, row) => sum + row.clicks, 0);
  return {
    clicks,
    signups: counters.total,
    qualified: counters.qualified,
    conversionRate: conversionRate(counters.qualified, counters.total),
    pointsEarned: counters.pointsEarned,
    bySource: Object.fromEntries(
      sources.map((row) => [row.source, { clicks: row.clicks, signups: row.signups }]),
    ),
    tier: tierStanding(counters.places, rules.referrerTiers),
    badge: badgeFor(counters.qualified, rules.badges),
    nextMilestone: nextMilestone(counters.qualified, rules.milestones),
  };
}
