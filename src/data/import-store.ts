/** The reads and writes of an import (src/data/imports.ts). */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { leaderboardEntries, referralCodes, referralStats, referrals, users } from "../db/schema";
import { periodKey } from "../leaderboard/rules";
import { canonicalReferralCode, newId, newReferralCode } from "../lib/ids";
import { appendLedgerEntry } from "../wallet/store";
import type { LegacyUser } from "./legacy";

const ALL_TIME = periodKey("all", 0);

/** D1 binds at most 100 parameters a statement: look-ups go in chunks below that. */
const LOOKUP_CHUNK = 90;

async function inChunks<T, R>(items: readonly T[], read: (chunk: T[]) => Promise<R[]>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += LOOKUP_CHUNK) {
    out.push(...(await read(items.slice(i, i + LOOKUP_CHUNK))));
  }
  return out;
}

export async function existingPhones(db: Database, phones: readonly string[]) {
  const rows = await inChunks(phones, (chunk) =>
    db.select({ phone: users.phone }).from(users).where(inArray(users.phone, chunk)).all(),
  );
  return new Set(rows.map((row) => row.phone));
}

/** Codes (canonical) that someone holds or held: an old code that matches one is refused. */
export async function takenCodes(db: Database, codes: readonly string[]) {
  const rows = await inChunks(codes, (chunk) =>
    db
      .select({ normalized: referralCodes.normalized })
      .from(referralCodes)
      .where(inArray(referralCodes.normalized, chunk))
      .all(),
  );
  return new Set(rows.map((row) => row.normalized));
}

/**
 * Users imported by an earlier request, by their old `_id`: referrers of this request's
 * users. Not an erased one: nothing new is written for them, so their old referees come
 * in without the link.
 */
export async function importedUsersByLegacyId(db: Database, legacyIds: readonly string[]) {
  const rows = await inChunks(legacyIds, (chunk) =>
    db
      .select({ id: users.id, legacyId: users.legacyId })
      .from(users)
      .where(and(inArray(users.legacyId, chunk), isNull(users.erasedAt)))
      .all(),
  );
  const codes = await inChunks(
    rows.map((row) => row.id),
    (chunk) =>
      db
        .select({ userId: referralCodes.userId, code: referralCodes.code })
        .from(referralCodes)
        .where(and(inArray(referralCodes.userId, chunk), eq(referralCodes.kind, "legacy")))
        .all(),
  );
  const legacyCodeOf = new Map(codes.map((row) => [row.userId, row.code]));
  return new Map(
    rows.map((row) => [row.legacyId ?? "", { id: row.id, code: legacyCodeOf.get(row.id) ?? null }]),
  );
}

/** The referrer of an imported referral, as the import knows them. */
export interface ImportedReferrer {
  id: string;
  /** Their old code, recorded on the referral as the code it was made with. */
  code: string | null;
}

/**
 * The lowest position of `column` not yet taken among a referrer's referrals. Imported
 * referrals fill positions 1…referralCount (reserved at the referrer's import), and signups
 * take total + 1, so the two never meet.
 */
function lowestFree(column: "ordinal" | "qualified_ordinal", referrerId: string) {
  const col = sql.raw(`\`${column}\``);
  return sql`(case when not exists (select 1 from ${referrals} where ${referrals.referrerId} = ${referrerId} and ${col} = 1) then 1
    else (select min(r.${col}) + 1 from ${referrals} r where r.\`referrer_id\` = ${referrerId} and r.${col} is not null
      and not exists (select 1 from ${referrals} g where g.\`referrer_id\` = ${referrerId} and g.${col} = r.${col} + 1)) end)`;
}

export interface ImportWritesInput {
  user: LegacyUser;
  referrer: ImportedReferrer | null;
  programVersion: number;
  pointsExpireAt: number | null;
  now: number;
}

/**
 * One document's writes, for one D1 batch: the user (a trigger opens their wallet,
 * counters and code of ours), their old code as a `legacy` alias, their imported
 * referral count reserved as positions 1…n, the referral that brought them (qualified, no
 * points; it fills a reserved position of its referrer), and their points as one opening
 * `import` ledger entry. Every statement binds far fewer than 100 parameters.
 */
export function importWrites(db: Database, input: ImportWritesInput) {
  const { user, referrer, now } = input;
  const id = newId("usr", user.createdAt);
  const writes: BatchItem<"sqlite">[] = [
    db.insert(users).values({
      id,
      name: user.name,
      phone: user.phone,
      passwordHash: user.passwordHash,
      role: user.role,
      referralCode: newReferralCode(),
      referralCodeCreatedAt: now,
      referredByUserId: referrer?.id ?? null,
      referredByCode: referrer?.code ?? null,
      createdAt: user.createdAt,
      legacyId: user.legacyId,
      // The old _id is the shop's id of this person: GET /v1/users?externalId= finds them.
      externalId: user.legacyId,
    }),
  ];
  if (user.legacyCode !== null) {
    writes.push(
      db.insert(referralCodes).values({
        normalized: canonicalReferralCode(user.legacyCode),
        code: user.legacyCode,
        userId: id,
        status: "active",
        kind: "legacy",
        createdAt: user.createdAt,
      }),
    );
  }
  if (user.referralCount > 0) {
    writes.push(
      db
        .update(referralStats)
        .set({ total: user.referralCount, qualified: user.referralCount })
        .where(eq(referralStats.userId, id)),
      // The all-time board counts what the old backend counted (week and month boards
      // start empty: those referrals are in the past).
      db.insert(leaderboardEntries).values({
        period: ALL_TIME,
        userId: id,
        referrals: user.referralCount,
        reachedAt: user.createdAt,
      }),
    );
  }
  if (referrer) {
    const counted = (onlyQualified: boolean) =>
      sql`(select count(*) from ${referrals} where ${referrals.referrerId} = ${referrer.id}${onlyQualified ? sql` and ${referrals.status} = 'qualified'` : sql``})`;
    writes.push(
      // On the all-time board, a referral beyond the reserved positions counts one more
      // (read before the reservation below is used up).
      db
        .insert(leaderboardEntries)
        .select(
          db
            .select({
              period: sql<string>`${ALL_TIME}`.as("period"),
              userId: sql<string>`${referrer.id}`.as("user_id"),
              referrals: sql<number>`1`.as("referrals"),
              reachedAt: sql<number>`${user.createdAt}`.as("reached_at"),
            })
            .from(referralStats)
            .where(
              and(
                eq(referralStats.userId, referrer.id),
                sql`${referralStats.qualified} <= ${counted(true)}`,
              ),
            ),
        )
        .onConflictDoUpdate({
          target: [leaderboardEntries.period, leaderboardEntries.userId],
          set: { referrals: sql`${leaderboardEntries.referrals} + 1` },
        }),
      // A reserved position is used up: the insert's trigger counts the referral again.
      db
        .update(referralStats)
        .set({
          total: sql`${referralStats.total} - (${referralStats.total} > ${counted(false)})`,
          qualified: sql`${referralStats.qualified} - (${referralStats.qualified} > ${counted(true)})`,
        })
        .where(eq(referralStats.userId, referrer.id)),
      db.insert(referrals).values({
        id: newId("ref", user.createdAt),
        referrerId: referrer.id,
        refereeId: id,
        ordinal: lowestFree("ordinal", referrer.id),
        code: referrer.code ?? "",
        status: "qualified",
        source: "import",
        programVersion: input.programVersion,
        referrerPoints: 0,
        refereePoints: 0,
        inviteId: null,
        qualifiedOrdinal: lowestFree("qualified_ordinal", referrer.id),
        createdAt: user.createdAt,
        qualifiedAt: user.createdAt,
        settledAt: user.createdAt,
      }),
    );
  }
  if (user.points > 0) {
    writes.push(
      appendLedgerEntry(db, {
        userId: id,
        type: "import",
        points: user.points,
        description: "Points carried over from the previous app",
        createdAt: now,
        expiresAt: input.pointsExpireAt,
      }),
    );
  }
  return { id, writes };
}
