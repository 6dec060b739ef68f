import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { referrals } from "../db/schema";
import { DAY_MS } from "../lib/time";
import { listPrograms } from "../program/store";

/**
 * Releases referrals whose hold period passed without a refund: they are marked settled,
 * and a refund can no longer reverse them. The hold period is that of the program version
 * each referral was paid under, as the rules parser reads it (with its default for
 * versions older than the rule). Bounded per run; a second run finds nothing left.
 */
export async function settleReferrals(db: Database, now: number, limit = 200) {
  const holdMsByVersion = Object.fromEntries(
    (await listPrograms(db)).map(({ version, rules }) => [version, rules.holdDays * DAY_MS]),
  );
  // One JSON parameter carries every version's hold, however many versions there are.
  const result = await db
    .update(referrals)
    .set({ settledAt: now })
    .where(
      sql`${referrals.id} in (
        select r.id from ${referrals} r
          join json_each(${JSON.stringify(holdMsByVersion)}) hold
            on cast(hold.key as integer) = r.program_version
         where r.status = 'qualified' and r.settled_at is null
           and r.qualified_at + hold.value <= ${now}
         limit ${limit})`,
    )
    .run();
  return result.meta.changes;
}
