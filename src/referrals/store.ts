import { and, asc, desc, eq, gt, gte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import {
  events,
  ledgerEntries,
  type ReasonDetail,
  referralStats,
  referrals,
  users,
} from "../db/schema";
import type { ProgramRules } from "../program/schemas";

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
  qualifiedOrdinal: number | null;
  reasons: string[] | null;
  /** The holds with what they matched: `[{ code, detail? }]`, beside `reasons`. */
  reasonDetails: ReasonDetail[] | null;
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

/** Referrals of `referrerId` qualified since `since`, counted up to `cap` (a bounded read). */
export async function qualifiedSince(db: Database, referrerId: string, since: number, cap: number) {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(
      db
        .select({ one: sql`1` })
        .from(referrals)
        .where(and(eq(referrals.referrerId, referrerId), gte(referrals.qualifiedAt, since)))
        .limit(cap)
        .as("recent"),
    )
    .get();
  return row?.n ?? 0;
}

/**
 * The qualified places a referrer's referrals have claimed (0 before the first): the
 * highest qualified position ever claimed, reversed referrals included, and never below
 * the qualified count — an imported referrer's count reserves positions 1…n that its old
 * referrals (imported or not) hold (src/data/import-store.ts). The next referral to
 * qualify claims the place after it, and is paid that place's tier.
 */
export async function qualifiedPlacesOf(db: Database, referrerId: string) {
  const row = await db
    .select({
      places: sql<number>`max(${referralStats.qualified}, coalesce((select max(${referrals.qualifiedOrdinal})
        from ${referrals} where ${referrals.referrerId} = ${referrerId}), 0))`,
    })
    .from(referralStats)
    .where(eq(referralStats.userId, referrerId))
    .get();
  return row?.places ?? 0;
}

/**
 * Everything credited because of a referral, per user: both sides' rewards and the
 * milestone and campaign bonuses it brought (every such credit points at the referral).
 */
export async function creditsOfReferral(db: Database, referralId: string) {
  return db
    .select({ userId: ledgerEntries.userId, points: sql<number>`sum(${ledgerEntries.points})` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.referralId, referralId), gt(ledgerEntries.points, 0)))
    .groupBy(ledgerEntries.userId)
    .all();
}

const referralColumns = {
  id: referrals.id,
  referrerId: referrals.referrerId,
  refereeId: referrals.refereeId,
  ordinal: referrals.ordinal,
  code: referrals.code,
  status: referrals.status,
  source: referrals.source,
  programVersion: referrals.programVersion,
  referrerPoints: referrals.referrerPoints,
  refereePoints: referrals.refereePoints,
  qualifiedAt: referrals.qualifiedAt,
  settledAt: referrals.settledAt,
  qualifiedByEvent: referrals.qualifiedByEvent,
  createdAt: referrals.createdAt,
};

export async function findReferral(db: Database, id: string) {
  return db.select(referralColumns).from(referrals).where(eq(referrals.id, id)).get();
}

/** The referral that brought `refereeId`, if any (each user is referred at most once). */
export async function findReferralOfReferee(db: Database, refereeId: string) {
  return db.select(referralColumns).from(referrals).where(eq(referrals.refereeId, refereeId)).get();
}

export type ReferralRecord = NonNullable<Awaited<ReturnType<typeof findReferral>>>;

/**
 * The user's first event that qualifies under these rules (of the qualification type, at
 * least `minimumAmount`), if they sent one: an approval in event mode pays at once, as
 * qualified by that event.
 */
export async function firstEventOf(
  db: Database,
  userId: string,
  rules: ProgramRules,
): Promise<QualifyingEvent | null> {
  if (rules.qualification === "signup") return null;
  const row = await db
    .select({ externalId: events.externalId, amount: events.amount })
    .from(events)
    .where(
      and(
        eq(events.userId, userId),
        eq(events.type, rules.qualification),
        rules.minimumAmount === null ? undefined : gte(events.amount, rules.minimumAmount),
      ),
    )
    .orderBy(asc(events.createdAt))
    .limit(1)
    .get();
  return row ?? null;
}

/** The event that qualifies a referral: its id, and the amount a percent tier pays on. */
export interface QualifyingEvent {
  externalId: string;
  amount: number | null;
}
