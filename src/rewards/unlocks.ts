import { asc, eq } from "drizzle-orm";
import { violatedConstraint } from "../db/client";
import { unlocks } from "../db/schema";
import type { Database } from "../env";
import { ApiError } from "../errors";

interface UnlockGrant {
  userId: string;
  unlock: string;
  source: "milestone" | "redemption";
  at: number;
}

/**
 * For a batch: grants an entitlement the user must not hold yet. Its primary key fails
 * the whole batch otherwise, so a purchase of a one-time unlock spends at most once
 * (see `asUnlockAlreadyGranted`).
 */
export function grantNewUnlock(db: Database, grant: UnlockGrant) {
  return db.insert(unlocks).values({
    userId: grant.userId,
    unlock: grant.unlock,
    source: grant.source,
    grantedAt: grant.at,
  });
}

/** For a batch: grants an entitlement; granting one the user has is a no-op (granted once). */
export function grantUnlock(db: Database, grant: UnlockGrant) {
  return grantNewUnlock(db, grant).onConflictDoNothing();
}

/** A batch refused because the unlock was already granted, as the API's error; others unchanged. */
export function asUnlockAlreadyGranted(error: unknown, unlock: string): unknown {
  return violatedConstraint(error) === "unlocks.user_id, unlocks.unlock"
    ? new ApiError("unlock_already_granted", `You already have ${unlock}.`)
    : error;
}

export async function listUnlocksOf(db: Database, userId: string) {
  return db
    .select({ unlock: unlocks.unlock, source: unlocks.source, grantedAt: unlocks.grantedAt })
    .from(unlocks)
    .where(eq(unlocks.userId, userId))
    .orderBy(asc(unlocks.grantedAt), asc(unlocks.unlock))
    .limit(200)
    .all();
}

/** The entitlement an `unlock` reward grants: its id without the prefix. */
export function unlockOfReward(rewardId: string): string {
  return rewardId.replace(/^rwd_/, "");
}
