import { and, asc, desc, eq, gt, inArray, isNotNull, lte } from "drizzle-orm";
import type { Database } from "../db/client";
import { campaignAwards, campaigns, referrals } from "../db/schema";
import { type CampaignContext, referralsNeeded } from "./rules";

const campaignColumns = {
  id: campaigns.id,
  name: campaigns.name,
  startsAt: campaigns.startsAt,
  endsAt: campaigns.endsAt,
  goalReferrals: campaigns.goalReferrals,
  windowDays: campaigns.windowDays,
  bonusPoints: campaigns.bonusPoints,
  active: campaigns.active,
};

/**
 * Everything the campaign rules need to judge a referrer's next qualified referral:
 * bounded reads (running campaigns, their awards to this referrer, and at most the
 * largest goal's worth of recent qualified referrals).
 */
export async function campaignContext(
  db: Database,
  referrerId: string,
  now: number,
): Promise<CampaignContext> {
  const running = await db
    .select(campaignColumns)
    .from(campaigns)
    .where(and(eq(campaigns.active, true), lte(campaigns.startsAt, now), gt(campaigns.endsAt, now)))
    .limit(20)
    .all();
  if (running.length === 0) return { running, earned: new Set(), recentQualifiedAt: [] };
  const [awards, recent] = await Promise.all([
    db
      .select({ campaignId: campaignAwards.campaignId })
      .from(campaignAwards)
      .where(
        and(
          eq(campaignAwards.userId, referrerId),
          inArray(
            campaignAwards.campaignId,
            running.map((campaign) => campaign.id),
          ),
        ),
      )
      .all(),
    db
      .select({ qualifiedAt: referrals.qualifiedAt })
      .from(referrals)
      .where(
        and(
          eq(referrals.referrerId, referrerId),
          isNotNull(referrals.qualifiedAt),
          eq(referrals.status, "qualified"),
        ),
      )
      .orderBy(desc(referrals.qualifiedAt))
      .limit(Math.max(1, referralsNeeded(running)))
      .all(),
  ]);
  return {
    running,
    earned: new Set(awards.map((award) => award.campaignId)),
    recentQualifiedAt: recent.flatMap((row) => (row.qualifiedAt === null ? [] : [row.qualifiedAt])),
  };
}

/** For the qualification batch: the award row; its primary key refuses a second one. */
export function awardCampaign(
  db: Database,
  award: { campaignId: string; userId: string; referralId: string; at: number },
) {
  return db.insert(campaignAwards).values({
    campaignId: award.campaignId,
    userId: award.userId,
    referralId: award.referralId,
    awardedAt: award.at,
  });
}

/**
 * For a reversal's batch: the awards a referral earned are withdrawn with it (their bonus
 * is taken back), so that the campaign can be completed again by referrals that stand.
 */
export function withdrawCampaignAwards(
  db: Database,
  award: { userId: string; referralId: string },
) {
  return db
    .delete(campaignAwards)
    .where(
      and(eq(campaignAwards.userId, award.userId), eq(campaignAwards.referralId, award.referralId)),
    );
}

export async function listCampaigns(db: Database) {
  return db
    .select({ ...campaignColumns, createdAt: campaigns.createdAt })
    .from(campaigns)
    .orderBy(desc(campaigns.startsAt), asc(campaigns.id))
    .limit(200)
    .all();
}

export async function findCampaign(db: Database, id: string) {
  return db
    .select({ ...campaignColumns, createdAt: campaigns.createdAt })
    .from(campaigns)
    .where(eq(campaigns.id, id))
    .get();
}
