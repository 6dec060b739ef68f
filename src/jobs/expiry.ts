import { and, gt, lte, sql } from "drizzle-orm";
import { ledgerEntries, pointLots, wallets } from "../db/schema";
import { newId } from "../lib/ids";
import type { EventDeps } from "../platform/deps";
import { pointsExpiredEvent } from "../webhooks/events";

export interface ExpiryOptions {
  /** Users swept per D1 batch. */
  batchSize?: number;
  /** Wall time after which the job stops starting new batches; the next run goes on. */
  budgetMs?: number;
  /** The wall clock that budget is measured on (tests pass their own). */
  clock?: () => number;
}

/**
 * Expires points past their date: per user, one `expiry` ledger entry for what is left of
 * all their lots expired at `now`, computed inside the insert, so a debit that spent them
 * first leaves nothing to expire. The ledger trigger then consumes exactly those lots.
 * Sweeps batch after batch until none is due or the time budget is spent; a second run
 * finds nothing left to do. Expired lots are never spendable even before they are swept
 * (the trigger skips them), so the sweep only tidies the ledger. Returns the entries written.
 */
export async function expirePoints(deps: EventDeps, now: number, options: ExpiryOptions = {}) {
  const { batchSize = 100, budgetMs = 20_000, clock = Date.now } = options;
  const started = clock();
  let written = 0;
  for (;;) {
    const swept = await expireBatch(deps, now, batchSize);
    written += swept.written;
    if (swept.users < batchSize || clock() - started >= budgetMs) return written;
  }
}

async function expireBatch(deps: EventDeps, now: number, batchSize: number) {
  const { db } = deps;
  const due = await db
    .selectDistinct({ userId: pointLots.userId })
    .from(pointLots)
    .where(and(lte(pointLots.expiresAt, now), gt(pointLots.remaining, 0)))
    .limit(batchSize)
    .all();
  // Columns in table order: seq, id, user_id, type, points, balance_after, description,
  // referral_id, redemption_id, expires_at, created_at.
  const entries = due.map(({ userId }) => ({ userId, id: newId("txn", now) }));
  const [first, ...rest] = entries.map(({ userId, id }) =>
    db
      .insert(ledgerEntries)
      .select(
        sql`select null, ${id}, ${userId}, 'expiry', -sum(${pointLots.remaining}),
             (select ${wallets.balance} from ${wallets} where ${wallets.userId} = ${userId}) - sum(${pointLots.remaining}),
             'Points expired', null, null, null, ${now}
        from ${pointLots}
       where ${pointLots.userId} = ${userId} and ${pointLots.remaining} > 0 and ${pointLots.expiresAt} <= ${now}
      having sum(${pointLots.remaining}) > 0`,
      )
      .returning({ id: ledgerEntries.id }),
  );
  if (!first) return { users: 0, written: 0 };
  // Each event reads its entry's points inside the batch, and is written only if it exists.
  const events = entries.flatMap(({ id }) => pointsExpiredEvent(deps, id, now));
  const results = await db.batch([first, ...rest, ...events]);
  // Counted from RETURNING: D1's meta.changes includes what the triggers wrote.
  const written = results
    .slice(0, entries.length)
    .reduce((sum, rows) => sum + (rows as unknown[]).length, 0);
  return { users: due.length, written };
}
