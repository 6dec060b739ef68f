/**
 * Reads of the funnel counters. The counters themselves are kept by triggers on users,
 * referrals and clicks (migration 0004): every write of those facts counts itself.
 */
import { and, between, count, desc, eq, gte, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { dailySourceStats, dailyStats, referrals, sourceStats, users } from "../db/schema";

export async function sourceStatsOf(db: Database, userId: string) {
  return db
    .select({
      source: sourceStats.source,
      clicks: sourceStats.clicks,
      signups: sourceStats.signups,
    })
    .from(sourceStats)
    .where(eq(sourceStats.userId, userId))
    .all();
}

export async function dailyStatsBetween(db: Database, fromDay: string, toDay: string) {
  return db
    .select()
    .from(dailyStats)
    .where(between(dailyStats.day, fromDay, toDay))
    .orderBy(dailyStats.day)
    .all();
}

export async function dailySourceStatsBetween(db: Database, fromDay: string, toDay: string) {
  return db
    .select()
    .from(dailySourceStats)
    .where(between(dailySourceStats.day, fromDay, toDay))
    .all();
}

/** Referrers with the most referrals created in [from, to): an index range over the period. */
export async function topReferrersBetween(db: Database, from: number, to: number, limit: number) {
  const referralCount = count(referrals.id);
  return db
    .select({ userId: referrals.referrerId, name: users.name, referrals: referralCount })
    .from(referrals)
    .innerJoin(users, eq(users.id, referrals.referrerId))
    .where(and(gte(referrals.createdAt, from), lt(referrals.createdAt, to)))
    .groupBy(referrals.referrerId)
    .orderBy(desc(referralCount))
    .limit(limit)
    .all();
}
