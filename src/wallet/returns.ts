import { and, asc, eq, type SQL, sql, sum } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { debitReturns, lotConsumptions, NEVER_EXPIRES } from "../db/schema";
import { appendComputedLedgerEntry, appendLedgerEntry } from "./store";

export interface DebitReturn {
  /** The ledger entry of the debit to give back (a spend, a redemption…). */
  debitEntryId: string;
  userId: string;
  description: string;
  createdAt: number;
}

/**
 * Statements, for one D1 batch, that give a debit's points back to its user: a `reversal`
 * credit per distinct expiry of the lots it consumed, each with that original expiry (so
 * refunded points expire when they would have). The amounts come from lot_consumptions,
 * which the debit's own trigger wrote and nothing changes, so a return gives back exactly
 * what was taken; the debit_returns row comes first in the batch and its primary key makes a
 * second return of the same debit fail the whole batch (`debit_returns.debit_entry_id`).
 * Returns null when the user has no such debit.
 *
 * @example const statements = await returnDebitStatements(db, { debitEntryId, userId, description, createdAt: now });
 */
export async function returnDebitStatements(
  db: Database,
  debit: DebitReturn,
): Promise<[BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] | null> {
  const taken = await takenByExpiry(db, debit.debitEntryId, debit.userId);
  if (taken.length === 0) return null;
  return [
    db.insert(debitReturns).values({
      debitEntryId: debit.debitEntryId,
      userId: debit.userId,
      points: taken.reduce((total, lot) => total + lot.points, 0),
      createdAt: debit.createdAt,
    }),
    ...taken.map((lot) =>
      appendLedgerEntry(db, {
        userId: debit.userId,
        type: "reversal",
        points: lot.points,
        description: debit.description,
        createdAt: debit.createdAt,
        expiresAt: refundExpiry(lot.expiresAt),
      }),
    ),
  ];
}

/** A consumed lot's expiry as a credit carries it (null: never). */
function refundExpiry(expiresAt: number): number | null {
  return expiresAt === NEVER_EXPIRES ? null : expiresAt;
}

/**
 * What a debit took from its user's lots, summed per expiry, soonest first: from
 * lot_consumptions, which the debit's own trigger wrote and nothing changes.
 */
export async function takenByExpiry(db: Database, debitEntryId: string, userId: string) {
  return db
    .select({
      expiresAt: lotConsumptions.expiresAt,
      points: sum(lotConsumptions.points).mapWith(Number),
    })
    .from(lotConsumptions)
    .where(and(eq(lotConsumptions.debitEntryId, debitEntryId), eq(lotConsumptions.userId, userId)))
    .groupBy(lotConsumptions.expiresAt)
    .orderBy(asc(lotConsumptions.expiresAt))
    .all();
}

export interface PartialReturn {
  userId: string;
  /** What the debit took per expiry (takenByExpiry). */
  taken: { expiresAt: number; points: number }[];
  /** The points to give back now. */
  points: number;
  /**
   * SQL for the points given back so far including these, read when the batch runs (after
   * the statement that adds them): races between partial returns cannot skew the expiries.
   */
  returnedSoFar: SQL<number>;
  description: string;
  createdAt: number;
}

/**
 * `reversal` credits, for a batch, that give back `points` of a debit with their original
 * expiries, latest-expiring first: what stays spent is what a smaller debit would have
 * taken (the soonest-expiring points). Given back so far (before these) are the latest
 * `returnedSoFar − points`; each expiry's credit is its share of the next `points`, worked
 * out by the database when the batch runs, and written only when it is not zero.
 */
export function partialReturnStatements(db: Database, give: PartialReturn) {
  const latestFirst = [...give.taken].sort((a, b) => b.expiresAt - a.expiresAt);
  let before = 0;
  return latestFirst.map((lot) => {
    const [from, to] = [before, before + lot.points];
    before = to;
    return appendComputedLedgerEntry(db, {
      userId: give.userId,
      type: "reversal",
      points: sql<number>`max(0, min(${to}, ${give.returnedSoFar}) - max(${from}, ${give.returnedSoFar} - ${give.points}))`,
      description: give.description,
      createdAt: give.createdAt,
      expiresAt: refundExpiry(lot.expiresAt),
    });
  });
}
