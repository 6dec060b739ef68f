import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { unlocks } from "../db/schema";
import type { Database } from "../env";
import { DAY_MS } from "../lib/time";

export interface UnlockGrant {
  userId: string;
  unlock: string;
  source: "milestone" | "redemption";
  at: number;
  /** How long it lasts, from the milestone or reward that grants it; null or absent: for good. */
  durationDays?: number | null | undefined;
}

/**
 * For a batch: grants an entitlement. Granting one the user holds is a no-op (granted
 * once); one that has expired is granted afresh.
 */
export function grantUnlock(db: Database, grant: UnlockGrant) {
  const expiresAt = grant.durationDays ? grant.at + grant.durationDays * DAY_MS : null;
  return db
    .insert(unlocks)
    .values({
      userId: grant.userId,
      unlock: grant.unlock,
      source: grant.source,
      grantedAt: grant.at,
      expiresAt,
    })
    .onConflictDoUpdate({
      target: [unlocks.userId, unlocks.unlock],
      set: { source: grant.source, grantedAt: grant.at, expiresAt },
      setWhere: sql`${unlocks.expiresAt} is not null and ${unlocks.expiresAt} <= ${grant.at}`,
    });
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
