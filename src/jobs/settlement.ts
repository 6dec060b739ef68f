import { sql } from "drizzle-orm";
import { programs, referrals } from "../db/schema";
import type { Database } from "../env";
import { DAY_MS } from "../lib/time";

/**
 * Releases referrals whose hold period passed without a refund: they are marked settled,
 * and a refund can no longer reverse them. The hold period is that of the program version
 * each referral was paid under. Bounded per run; a second run finds nothing left.
 */
export async function settleReferrals(db: Database, now: number, limit = 200) {
  const holdMs = sql`coalesce(json_extract(${programs.rules}, '$.holdDays'), 0) * ${DAY_MS}`;
  const result = await db
    .update(referrals)
    .set({ settledAt: now })
    .where(
      sql`${referrals.id} in (
        select r.id from ${referrals} r join ${programs} on ${programs.version} = r.program_version
         where r.status = 'qualified' and r.settled_at is null
           and r.qualified_at + ${holdMs} <= ${now}
         limit ${limit})`,
    )
    .run();
  return result.meta.changes;
}
