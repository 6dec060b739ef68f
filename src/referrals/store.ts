import { and, desc, eq } from "drizzle-orm";
import { before } from "../db/client";
import { referralStats, referrals, users } from "../db/schema";
import type { Database } from "../env";

export interface NewReferral {
  id: string;
  referrerId: string;
  refereeId: string;
  ordinal: number;
  code: string;
  status: "pending" | "qualified" | "held" | "rejected";
  source: string;
  programVersion: number;
  referrerPoints: number;
  refereePoints: number;
  inviteId: string | null;
  createdAt: number;
  qualifiedAt: number | null;
}

export function insertReferral(db: Database, referral: NewReferral) {
  return db.insert(referrals).values(referral);
}

/** A referrer's referrals, newest first, positioned by ordinal. */
export async function listReferralsOf(
  db: Database,
  referrerId: string,
  page: { limit: number; beforeOrdinal?: number | undefined },
) {
  return db
    .select({
      id: referrals.id,
      ordinal: referrals.ordinal,
      name: users.name,
      status: referrals.status,
      rewardPoints: referrals.referrerPoints,
      source: referrals.source,
      createdAt: referrals.createdAt,
    })
    .from(referrals)
    .innerJoin(users, eq(users.id, referrals.refereeId))
    .where(and(eq(referrals.referrerId, referrerId), before(referrals.ordinal, page.beforeOrdinal)))
    .orderBy(desc(referrals.ordinal))
    .limit(page.limit + 1)
    .all();
}

export async function findReferralStats(db: Database, userId: string) {
  return db
    .select({
      total: referralStats.total,
      qualified: referralStats.qualified,
      pending: referralStats.pending,
      held: referralStats.held,
      rejected: referralStats.rejected,
      pointsEarned: referralStats.pointsEarned,
    })
    .from(referralStats)
    .where(eq(referralStats.userId, userId))
    .get();
}
