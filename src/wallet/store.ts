import { and, asc, type Column, desc, eq, gt, lte, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before, errorText, violatedConstraint } from "../db/client";
import {
  type LedgerEntryType,
  ledgerEntries,
  pointLots,
  pointSpends,
  referralStats,
  wallets,
} from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";

/** The constraints an overdraft trips (D1 names them in its error). */
export const OVERDRAFT_CONSTRAINTS = new Set([
  "wallets_balance_check",
  "ledger_entries_balance_after_check",
]);

/** What the lot trigger raises when a debit's unexpired lots do not cover it. */
const UNCOVERED_DEBIT = "insufficient_points:";

/**
 * Whether D1 refused a debit for lack of points: the wallet would go below zero, or the
 * points still unexpired at the debit's time do not cover it (`ledger_entries_consume_lots`).
 */
export function isOverdraft(error: unknown): boolean {
  return (
    OVERDRAFT_CONSTRAINTS.has(violatedConstraint(error) ?? "") ||
    errorText(error).includes(UNCOVERED_DEBIT)
  );
}

/** An overdraft refused by D1, as the API's `insufficient_points`; other errors unchanged. */
export function asInsufficientPoints(error: unknown, message: string): unknown {
  return isOverdraft(error) ? new ApiError("insufficient_points", message) : error;
}

/**
 * A user's spendable balance at `now`: the ledger's sum less the lots that expired and
 * the hourly job has not swept yet (they can no longer be spent). Reads only those lots.
 * `userId` may be a column, to read the balance of each row of a list of users.
 */
export function spendableBalance(userId: string | Column, now: number) {
  return sql<number>`coalesce((select ${wallets.balance} from ${wallets} where ${wallets.userId} = ${userId}), 0)
    - coalesce((select sum(${pointLots.remaining}) from ${pointLots}
                 where ${pointLots.userId} = ${userId} and ${pointLots.remaining} > 0
                   and ${pointLots.expiresAt} <= ${now}), 0)`;
}

export interface NewLedgerEntry {
  /** Given when the caller must refer to the entry in the same batch. */
  id?: string;
  userId: string;
  type: LedgerEntryType;
  points: number;
  description: string;
  createdAt: number;
  referralId?: string;
  redemptionId?: string;
  expiresAt?: number | null;
}

/**
 * The only way points move: an append-only ledger row, for a D1 batch. `balance_after` is
 * computed by the database from the wallet at that moment; a trigger then applies the
 * entry to the wallet, whose CHECK (balance >= 0) aborts the batch if it would overdraw.
 */
export function appendLedgerEntry(db: Database, entry: NewLedgerEntry) {
  return db.insert(ledgerEntries).values({
    id: entry.id ?? newId("txn", entry.createdAt),
    userId: entry.userId,
    type: entry.type,
    points: entry.points,
    description: entry.description,
    referralId: entry.referralId,
    redemptionId: entry.redemptionId,
    expiresAt: entry.expiresAt ?? null,
    createdAt: entry.createdAt,
    balanceAfter: sql`coalesce((select ${wallets.balance} from ${wallets} where ${wallets.userId} = ${entry.userId}), 0) + ${entry.points}`,
  });
}

/**
 * Like appendLedgerEntry, for an entry whose points are known only when the batch runs
 * (`points` is SQL, evaluated then): written only when they are not zero.
 */
export function appendComputedLedgerEntry(
  db: Database,
  entry: Omit<NewLedgerEntry, "points" | "id"> & { points: SQL<number> },
) {
  const balance = sql`coalesce((select ${wallets.balance} from ${wallets} where ${wallets.userId} = ${entry.userId}), 0)`;
  // Insert-selects list every column, in table order (seq is assigned by the database).
  return db.insert(ledgerEntries).select(sql`
    select null, ${newId("txn", entry.createdAt)}, ${entry.userId}, ${entry.type}, p, ${balance} + p,
           ${entry.description}, ${entry.referralId ?? null}, ${entry.redemptionId ?? null},
           ${entry.expiresAt ?? null}, ${entry.createdAt}
      from (select ${entry.points} as p) where p <> 0`);
}

/** The wallet as users see it: `balance` is what they can spend at `now`. */
export async function findWallet(db: Database, userId: string, now: number) {
  return db
    .select({
      balance: spendableBalance(userId, now),
      pending: referralStats.pendingPoints,
      lifetimeEarned: wallets.lifetimeEarned,
      lifetimeRedeemed: wallets.lifetimeRedeemed,
    })
    .from(wallets)
    .innerJoin(referralStats, eq(referralStats.userId, wallets.userId))
    .where(eq(wallets.userId, userId))
    .get();
}

/** The user's points that expire within (now, until], soonest first: exact, from the lots. */
export async function listExpiringLots(db: Database, userId: string, now: number, until: number) {
  return db
    .select({ points: pointLots.remaining, expiresAt: pointLots.expiresAt })
    .from(pointLots)
    .where(
      and(
        eq(pointLots.userId, userId),
        gt(pointLots.remaining, 0),
        gt(pointLots.expiresAt, now),
        lte(pointLots.expiresAt, until),
      ),
    )
    .orderBy(asc(pointLots.expiresAt))
    .limit(50)
    .all();
}

/** One page of a user's ledger, newest first, positioned by `seq`. */
export async function listLedgerEntries(
  db: Database,
  userId: string,
  page: { limit: number; beforeSeq?: number | undefined },
) {
  return db
    .select({
      seq: ledgerEntries.seq,
      id: ledgerEntries.id,
      type: ledgerEntries.type,
      points: ledgerEntries.points,
      balanceAfter: ledgerEntries.balanceAfter,
      description: ledgerEntries.description,
      createdAt: ledgerEntries.createdAt,
      expiresAt: ledgerEntries.expiresAt,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.userId, userId), before(ledgerEntries.seq, page.beforeSeq)))
    .orderBy(desc(ledgerEntries.seq))
    .limit(page.limit + 1)
    .all();
}

/** A user's spendable balance at `now`, as a query for the end of a D1 batch. */
export function selectSpendableBalance(db: Database, userId: string, now: number) {
  return db
    .select({ balance: spendableBalance(userId, now) })
    .from(wallets)
    .where(eq(wallets.userId, userId));
}

export function insertPointSpend(db: Database, spend: typeof pointSpends.$inferInsert) {
  return db.insert(pointSpends).values(spend);
}

/**
 * For a refund's batch, first: adds `points` to what a spend gave back; past the spend the
 * trigger `point_spends_refund_within_spend` aborts the batch (`already_refunded:`).
 */
export function addRefundedPoints(db: Database, spendId: string, points: number) {
  return db
    .update(pointSpends)
    .set({ refundedPoints: sql`${pointSpends.refundedPoints} + ${points}` })
    .where(eq(pointSpends.id, spendId));
}

/** A spend's points given back so far, as SQL read when the batch runs. */
export function refundedPointsOf(spendId: string) {
  return sql<number>`(select ${pointSpends.refundedPoints} from ${pointSpends} where ${pointSpends.id} = ${spendId})`;
}

/** What remains of a spend to refund, as a query for the end of a refund's batch. */
export function selectRefundableRest(db: Database, spendId: string) {
  return db
    .select({ remaining: sql<number>`${pointSpends.points} - ${pointSpends.refundedPoints}` })
    .from(pointSpends)
    .where(eq(pointSpends.id, spendId));
}

export async function findPointSpend(db: Database, userId: string, spendId: string) {
  return db
    .select({
      id: pointSpends.id,
      userId: pointSpends.userId,
      points: pointSpends.points,
      orderId: pointSpends.orderId,
      ledgerEntryId: pointSpends.ledgerEntryId,
      refundedPoints: pointSpends.refundedPoints,
      createdAt: pointSpends.createdAt,
    })
    .from(pointSpends)
    .where(and(eq(pointSpends.id, spendId), eq(pointSpends.userId, userId)))
    .get();
}
