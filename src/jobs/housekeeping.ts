import { lte } from "drizzle-orm";
import type { Database } from "../db/client";
import { refreshTokens } from "../db/schema";
import { purgeExpiredIdempotencyKeys } from "../platform/idempotency";
import { purgeExpiredRateLimitCounters } from "../platform/rate-limit";

/** Rows one run deletes at most per table: keeps every run well inside a Worker's limits. */
const BATCH = 500;

/**
 * Deletes what has outlived its purpose: idempotency keys past their 24 hours, expired
 * refresh tokens and rate-limit counters whose window is over. Bounded per run and safe to run twice (each delete re-selects its rows).
 */
export async function runHousekeeping(db: Database, now: number) {
  const idempotencyKeys = await purgeExpiredIdempotencyKeys(db, now, BATCH);
  const expired = await db.delete(refreshTokens).where(lte(refreshTokens.expiresAt, now)).run();
  const rateLimitCounters = await purgeExpiredRateLimitCounters(db, now, BATCH);
  return { idempotencyKeys, refreshTokens: expired.meta.changes, rateLimitCounters };
}
