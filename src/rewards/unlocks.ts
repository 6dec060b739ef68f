import { and, asc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { violatedConstraint } from "../db/client";
import { unlocks } from "../db/schema";
import { ApiError } from "../errors";
import { DAY_MS, toIso } from "../lib/time";

export interface UnlockGrant {
  userId: string;
  unlock: string;
  source: "milestone" | "redemption";
  at: number;
  /** How long it lasts, from the milestone or reward that grants it; null or absent: for good. */
  durationDays?: number | null | undefined;
}

function unlockRow(grant: UnlockGrant) {
  return {
    userId: grant.userId,
    unlock: grant.unlock,
    source: grant.source,
    grantedAt: grant.at,
    expiresAt: grant.durationDays ? grant.at + grant.durationDays * DAY_MS : null,
  };
}

/**
 * For a batch: grants an entitlement the user must not hold now. An expired one is cleared
 * first; one still held fails the whole batch on the primary key, so a purchase of a
 * one-time unlock spends at most once (see `asUnlockAlreadyGranted`).
 */
export function grantNewUnlock(db: Database, grant: UnlockGrant) {
  return [
    db
      .delete(unlocks)
      .where(
        and(
          eq(unlocks.userId, grant.userId),
          eq(unlocks.unlock, grant.unlock),
          lte(unlocks.expiresAt, grant.at),
        ),
      ),
    db.insert(unlocks).values(unlockRow(grant)),
  ] as const;
}

/**
 * For a batch: grants an entitlement. Granting one the user holds is a no-op (granted
 * once); one that has expired is granted afresh.
 */
export function grantUnlock(db: Database, grant: UnlockGrant) {
  const row = unlockRow(grant);
  return db
    .insert(unlocks)
    .values(row)
    .onConflictDoUpdate({
      target: [unlocks.userId, unlocks.unlock],
      set: { source: row.source, grantedAt: row.grantedAt, expiresAt: row.expiresAt },
      setWhere: sql`${unlocks.expiresAt} is not null and ${unlocks.expiresAt} <= ${grant.at}`,
    });
}

/** A batch refused because the unlock was already granted, as the API's error; others unchanged. */
export function asUnlockAlreadyGranted(error: unknown, unlock: string): unknown {
  return violatedConstraint(error) === "unlocks.user_id, unlocks.unlock"
    ? new ApiError("unlock_already_granted", `You already have ${unlock}.`)
    : error;
}

/** What the user is entitled to at `now`: expired entitlements are left out. */
export async function listUnlocksOf(db: Database, userId: string, now: number) {
  return db
    .select({
      unlock: unlocks.unlock,
      source: unlocks.source,
      grantedAt: unlocks.grantedAt,
      expiresAt: unlocks.expiresAt,
    })
    .from(unlocks)
    .where(
      and(eq(unlocks.userId, userId), or(isNull(unlocks.expiresAt), gt(unlocks.expiresAt, now))),
    )
    .orderBy(asc(unlocks.grantedAt), asc(unlocks.unlock))
    .limit(200)
    .all();
}

/** The entitlement an `unlock` reward grants: its id without the prefix. */
export function unlockOfReward(rewardId: string): string {
  return rewardId.replace(/^rwd_/, "");
}

/** The entitlements a user holds now, as `GET /v1/me/unlocks` and the server route show them. */
export async function unlocksNow(db: Database, userId: string, now: number) {
  const rows = await listUnlocksOf(db, userId, now);
  return {
    data: rows.map((row) => ({
      ...row,
      grantedAt: toIso(row.grantedAt),
      expiresAt: row.expiresAt === null ? null : toIso(row.expiresAt),
    })),
  };
}
