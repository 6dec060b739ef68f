import { conversionRate } from "../analytics/rules";
import { badgeFor, nextMilestone, tierStanding } from "../program/rules";
import type { ProgramRules } from "../program/schemas";

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
