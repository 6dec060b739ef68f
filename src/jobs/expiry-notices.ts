import { and, asc, eq, gt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { jobCursors, pointLots } from "../db/schema";
import { notificationStatements } from "../invites/notifications";
import { DAY_MS, dayOf } from "../lib/time";
import { currentProgram } from "../program/store";

/** How far ahead people hear that their points expire. */
export const EXPIRY_NOTICE_DAYS = 7;

const CURSOR = "points_expiring";

export interface ExpiryNoticeOptions {
  /** Point lots looked at per D1 batch. */
  batchSize?: number;
  /** Batches per run at most: the rest waits for the next run, where this one stopped. */
  maxBatches?: number;
}

/**
 * Queues `points_expiring` notifications: once per user and expiry date (UTC day), when
 * points of that day come within 7 days, with the points of that whole day. Works through
 * the lots by expiry in bounded batches from where the last run stopped (a cursor in D1), so
 * a run costs the same at any number of users, and a stopped run is continued, not redone.
 * The unique (user, `expiry:<day>`) key makes a second queueing of a day a no-op. Returns
 * the users notified.
 */
export async function queueExpiryNotices(
  db: Database,
  now: number,
  options: ExpiryNoticeOptions = {},
) {
  const { batchSize = 200, maxBatches = 10 } = options;
  const { rules } = await currentProgram(db);
  const horizon = now + EXPIRY_NOTICE_DAYS * DAY_MS;
  let queued = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const stored = await db
      .select({ position: jobCursors.position })
      .from(jobCursors)
      .where(eq(jobCursors.name, CURSOR))
      .get();
    const [cursorAt = 0, cursorId = ""] = (stored?.position ?? "0:").split(":");
    // Lots already expired are of no interest: start at now when the cursor is behind.
    const after =
      Number(cursorAt) > now
        ? or(
            gt(pointLots.expiresAt, Number(cursorAt)),
            and(eq(pointLots.expiresAt, Number(cursorAt)), gt(pointLots.ledgerEntryId, cursorId)),
          )
        : gt(pointLots.expiresAt, now);
    const lots = await db
      .select({
        id: pointLots.ledgerEntryId,
        userId: pointLots.userId,
        expiresAt: pointLots.expiresAt,
      })
      .from(pointLots)
      .where(and(gt(pointLots.remaining, 0), after, lte(pointLots.expiresAt, horizon)))
      .orderBy(asc(pointLots.expiresAt), asc(pointLots.ledgerEntryId))
      .limit(batchSize)
      .all();
    const last = lots.at(-1);
    if (!last) return queued;
    const userDays = new Map<string, { userId: string; dayStart: number }>();
    for (const lot of lots) {
      const dayStart = lot.expiresAt - (lot.expiresAt % DAY_MS);
      userDays.set(`${lot.userId} ${dayStart}`, { userId: lot.userId, dayStart });
    }
    const notices = [...userDays.values()].flatMap(({ userId, dayStart }) =>
      notificationStatements(db, rules.notifications, {
        userId,
        kind: "points_expiring",
        // The whole day's points as they are when queued, summed by the insert itself.
        params: sql`json_object('points', (select sum(${pointLots.remaining}) from ${pointLots}
            where ${pointLots.userId} = ${userId} and ${pointLots.remaining} > 0
              and ${pointLots.expiresAt} >= ${dayStart} and ${pointLots.expiresAt} < ${dayStart + DAY_MS}),
          'date', ${dayStart})`,
        now,
        onceKey: `expiry:${dayOf(dayStart)}`,
      }),
    );
    const position = `${last.expiresAt}:${last.id}`;
    const results = await db.batch([
      db
        .insert(jobCursors)
        .values({ name: CURSOR, position })
        .onConflictDoUpdate({ target: jobCursors.name, set: { position } }),
      ...notices.map((statement) => statement.returning({ id: sql`id` })),
    ]);
    queued += results.slice(1).reduce((sum, rows) => sum + (rows as unknown[]).length, 0);
    if (lots.length < batchSize) return queued;
  }
  return queued;
}
