import { and, gt, lte, sql } from "drizzle-orm";
import { ledgerEntries, pointLots, wallets } from "../db/schema";
import type { Database } from "../env";
import { newId } from "../lib/ids";
import { pointsExpiredEvent } from "../webhooks/events";

/**
 * Expires points past their date: one `expiry` ledger entry per expired lot, for what is
 * left of it at that moment (computed inside the insert, so a redemption that spent it
 * first leaves nothing to expire). The ledger trigger then consumes the lot. Bounded per
 * run, and a second run finds nothing left to do.
 */
export async function expirePoints(db: Database, now: number, limit = 100) {
  const due = await db
    .select({ lot: pointLots.ledgerEntryId })
    .from(pointLots)
    .where(and(lte(pointLots.expiresAt, now), gt(pointLots.remaining, 0)))
    .orderBy(pointLots.expiresAt)
    .limit(limit)
    .all();
  // Columns in table order: seq, id, user_id, type, points, balance_after, description,
  // referral_id, redemption_id, expires_at, created_at.
  const entries = due.map(({ lot }) => ({ lot, id: newId("txn", now) }));
  const [first, ...rest] = entries.map(({ lot, id }) =>
    db.insert(ledgerEntries).select(
      sql`select null, ${id}, ${pointLots.userId}, 'expiry', -${pointLots.remaining},
             (select ${wallets.balance} from ${wallets} where ${wallets.userId} = ${pointLots.userId}) - ${pointLots.remaining},
             'Points expired', null, null, null, ${now}
        from ${pointLots}
       where ${pointLots.ledgerEntryId} = ${lot} and ${pointLots.remaining} > 0 and ${pointLots.expiresAt} <= ${now}`,
    ),
  );
  if (!first) return 0;
  const events = entries.flatMap(({ id }) => pointsExpiredEvent(db, id, now));
  const results = await db.batch([first, ...rest, ...events]);
  return results.slice(0, entries.length).reduce((sum, result) => sum + result.meta.changes, 0);
}
