import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { leaderboardEntries, leaderboardHistogram, users } from "../db/schema";
import { leaderboardPeriods, periodKey } from "./rules";

/** For the batch that qualifies a referral: +1 on the referrer's week, month and all-time boards. */
export function countQualifiedReferral(db: Database, userId: string, now: number) {
  return db
    .insert(leaderboardEntries)
    .values(
      leaderboardPeriods.map((period) => ({
        period: periodKey(period, now),
        userId,
        referrals: 1,
        reachedAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [leaderboardEntries.period, leaderboardEntries.userId],
      set: { referrals: sql`${leaderboardEntries.referrals} + 1`, reachedAt: now },
    });
}

/** The top `limit` of a board: an index range read of `limit` rows. */
export async function topOfBoard(db: Database, key: string, limit: number) {
  return db
    .select({
      userId: leaderboardEntries.userId,
      name: users.name,
      referrals: leaderboardEntries.referrals,
    })
    .from(leaderboardEntries)
    .innerJoin(users, eq(users.id, leaderboardEntries.userId))
    .where(and(eq(leaderboardEntries.period, key), gt(leaderboardEntries.referrals, 0)))
    .orderBy(desc(leaderboardEntries.referrals), asc(leaderboardEntries.reachedAt))
    .limit(limit)
    .all();
}

export async function leaderboardEntryOf(db: Database, key: string, userId: string) {
  return db
    .select({ referrals: leaderboardEntries.referrals })
    .from(leaderboardEntries)
    .where(and(eq(leaderboardEntries.period, key), eq(leaderboardEntries.userId, userId)))
    .get();
}

/** How many users have more than `referrals`: reads one histogram row per distinct count above. */
export async function usersAhead(db: Database, key: string, referrals: number): Promise<number> {
  const row = await db
    .select({ users: sql<number>`coalesce(sum(${leaderboardHistogram.users}), 0)` })
    .from(leaderboardHistogram)
    .where(and(eq(leaderboardHistogram.period, key), gt(leaderboardHistogram.referrals, referrals)))
    .get();
  return row?.users ?? 0;
}

/** For a reversal's batch: the referral no longer counts on the boards it was counted on. */
export function uncountQualifiedReferral(db: Database, userId: string, qualifiedAt: number) {
  return db
    .update(leaderboardEntries)
    .set({ referrals: sql`${leaderboardEntries.referrals} - 1` })
    .where(
      and(
        eq(leaderboardEntries.userId, userId),
        inArray(
          leaderboardEntries.period,
          leaderboardPeriods.map((period) => periodKey(period, qualifiedAt)),
        ),
        gt(leaderboardEntries.referrals, 0),
      ),
    );
}
