import { and, between, count, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { dailySourceStats, dailyStats, referrals, sourceStats, users } from "../db/schema";
import type { Database } from "../env";

const plus = (column: AnySQLiteColumn, amount: number): SQL => sql`${column} + ${amount}`;

/** Counter rows a stored click adds to: the referrer's by source, and the program's by day. */
export function countClick(
  db: Database,
  click: { referrerId: string; source: string; day: string },
) {
  return [
    db
      .insert(sourceStats)
      .values({ userId: click.referrerId, source: click.source, clicks: 1 })
      .onConflictDoUpdate({
        target: [sourceStats.userId, sourceStats.source],
        set: { clicks: plus(sourceStats.clicks, 1) },
      }),
    db
      .insert(dailyStats)
      .values({ day: click.day, clicks: 1 })
      .onConflictDoUpdate({ target: dailyStats.day, set: { clicks: plus(dailyStats.clicks, 1) } }),
    db
      .insert(dailySourceStats)
      .values({ day: click.day, source: click.source, clicks: 1 })
      .onConflictDoUpdate({
        target: [dailySourceStats.day, dailySourceStats.source],
        set: { clicks: plus(dailySourceStats.clicks, 1) },
      }),
  ];
}

/** Counter rows a signup adds to; a referred one also counts for its referrer and source. */
export function countSignup(
  db: Database,
  signup: { day: string; referral?: { referrerId: string; source: string } },
) {
  const referred = signup.referral ? 1 : 0;
  const daily = db
    .insert(dailyStats)
    .values({ day: signup.day, signups: 1, referredSignups: referred })
    .onConflictDoUpdate({
      target: dailyStats.day,
      set: {
        signups: plus(dailyStats.signups, 1),
        referredSignups: plus(dailyStats.referredSignups, referred),
      },
    });
  if (!signup.referral) return [daily];
  const { referrerId, source } = signup.referral;
  return [
    daily,
    db
      .insert(sourceStats)
      .values({ userId: referrerId, source, signups: 1 })
      .onConflictDoUpdate({
        target: [sourceStats.userId, sourceStats.source],
        set: { signups: plus(sourceStats.signups, 1) },
      }),
    db
      .insert(dailySourceStats)
      .values({ day: signup.day, source, signups: 1 })
      .onConflictDoUpdate({
        target: [dailySourceStats.day, dailySourceStats.source],
        set: { signups: plus(dailySourceStats.signups, 1) },
      }),
  ];
}

export function countQualified(db: Database, day: string) {
  return db
    .insert(dailyStats)
    .values({ day, qualified: 1 })
    .onConflictDoUpdate({
      target: dailyStats.day,
      set: { qualified: plus(dailyStats.qualified, 1) },
    });
}

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
