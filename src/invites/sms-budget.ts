import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Database } from "../db/client";
import { smsUsage } from "../db/schema";
import { DAY_MS, dayOf } from "../lib/time";

/**
 * Takes one SMS from today's (UTC) budget, if any is left: one upsert that counts and
 * checks at once, so parallel senders cannot pass the budget together. Every sender of SMS
 * (invites, verification codes) calls this right before handing a message to its
 * provider, and does not send when it answers false. A taken SMS is not given back when
 * the provider then fails: the budget caps attempts, which is what a provider may bill.
 *
 * @example if (!(await takeSmsFromDailyBudget(db, config.smsDailyBudget, now))) …
 */
export async function takeSmsFromDailyBudget(
  db: Database,
  dailyBudget: number,
  now: number,
): Promise<boolean> {
  if (dailyBudget <= 0) return false;
  const taken = await db
    .insert(smsUsage)
    .values({ day: dayOf(now), sent: 1 })
    .onConflictDoUpdate({
      target: smsUsage.day,
      set: { sent: sql`${smsUsage.sent} + 1` },
      setWhere: sql`${smsUsage.sent} < ${dailyBudget}`,
    })
    .returning({ sent: smsUsage.sent })
    .get();
  return taken !== undefined;
}

/**
 * How many of the day's SMS invites and notifications may take: their share
 * (`SMS_NOTIFICATION_SHARE`, percent), so that verification and reset codes always find
 * the rest of the budget left, however busy the day.
 */
export function bulkSmsBudget(config: Config): number {
  return Math.floor((config.smsDailyBudget * config.smsNotificationShare) / 100);
}

/** When the budget is full again: the start of the next UTC day. */
export function nextSmsBudgetAt(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}
