import { DAY_MS } from "../lib/time";

export interface Campaign {
  id: string;
  name: string;
  startsAt: number;
  endsAt: number;
  goalReferrals: number;
  windowDays: number;
  bonusPoints: number;
  active: boolean;
}

/** What a referrer's new qualified referral is judged against. */
export interface CampaignContext {
  /** Active campaigns whose window contains now. */
  running: Campaign[];
  /** Ids of those campaigns this referrer has already earned. */
  earned: ReadonlySet<string>;
  /** When the referrer's latest qualified referrals qualified, newest first. */
  recentQualifiedAt: number[];
}

/**
 * The campaigns that the referral qualifying at `now` completes: those running now, not yet
 * earned, whose goal is met by qualified referrals within the campaign's rolling window
 * (and inside the campaign itself), this one included.
 *
 * @example 3 referrals within 7 days, the third at day 6 → earned; at day 8 → not yet.
 */
export function campaignsCompleted(context: CampaignContext, now: number): Campaign[] {
  return context.running.filter((campaign) => {
    if (!campaign.active || now < campaign.startsAt || now >= campaign.endsAt) return false;
    if (context.earned.has(campaign.id)) return false;
    const since = Math.max(campaign.startsAt, now - campaign.windowDays * DAY_MS);
    const inWindow = context.recentQualifiedAt.filter((at) => at >= since && at <= now).length;
    return inWindow + 1 >= campaign.goalReferrals;
  });
}

/** How many recent qualified referrals a decision can need: the largest goal, less this one. */
export function referralsNeeded(running: readonly Campaign[]): number {
  return Math.max(0, ...running.map((campaign) => campaign.goalReferrals - 1));
}
