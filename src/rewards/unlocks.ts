import { asc, eq } from "drizzle-orm";
import { unlocks } from "../db/schema";
import type { Database } from "../env";

/** For a batch: grants an entitlement; granting one the user has is a no-op (granted once). */
export function grantUnlock(
  db: Database,
  grant: { userId: string; unlock: string; source: "milestone" | "redemption"; at: number },
) {
  return db
    .insert(unlocks)
    .values({
      userId: grant.userId,
      unlock: grant.unlock,
      source: grant.source,
      grantedAt: grant.at,
    })
    .onConflictDoNothing();
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
