import { and, asc, eq, sum } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { debitReturns, lotConsumptions, NEVER_EXPIRES } from "../db/schema";
import type { Database } from "../env";
import { appendLedgerEntry } from "./store";

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
  const taken = await db
    .select({
      expiresAt: lotConsumptions.expiresAt,
      points: sum(lotConsumptions.points).mapWith(Number),
    })
    .from(lotConsumptions)
    .where(
      and(
        eq(lotConsumptions.debitEntryId, debit.debitEntryId),
        eq(lotConsumptions.userId, debit.userId),
      ),
    )
    .groupBy(lotConsumptions.expiresAt)
    .orderBy(asc(lotConsumptions.expiresAt))
    .all();
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
        expiresAt: lot.expiresAt === NEVER_EXPIRES ? null : lot.expiresAt,
      }),
    ),
  ];
}
