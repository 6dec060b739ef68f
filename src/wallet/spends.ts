import type { BatchItem } from "drizzle-orm/batch";
import { violatedConstraint } from "../db/client";
import type { Database } from "../env";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { runIdempotently } from "../platform/idempotency";
import { findUserById } from "../users/store";
import { returnDebitStatements } from "./returns";
import {
  appendLedgerEntry,
  asInsufficientPoints,
  findPointSpend,
  findWallet,
  insertPointSpend,
  selectSpendableBalance,
} from "./store";

/** Points spent on one order of the shop's own checkout. */
export interface PointSpend {
  id: string;
  userId: string;
  points: number;
  orderId: string;
  createdAt: number;
}

export interface SpendInput {
  userId: string;
  /** A positive whole number of points (the route validates it; a CHECK guards it too). */
  points: number;
  orderId: string;
  description?: string | undefined;
}

/**
 * Pays for an order with points: a `redemption` entry that consumes the user's unexpired
 * points first-expiring-first, and the spend, in one D1 batch. The unique (user, order id)
 * makes a second spend of a user's order fail (`409 order_already_spent`); the lots' trigger makes a
 * spend beyond the spendable balance fail (`422 insufficient_points`), so parallel spends
 * never take the balance below zero. `complete`, from runIdempotently, joins the batch.
 *
 * @example const { spend, balance } = await spendPoints(db, { userId, points: 50, orderId: "ord_1" });
 */
export async function spendPoints(
  db: Database,
  input: SpendInput,
  options: { now?: number; complete?: (spendId: string) => BatchItem<"sqlite"> } = {},
): Promise<{ spend: PointSpend; balance: number }> {
  const now = options.now ?? Date.now();
  const spend: PointSpend = {
    id: newId("spd", now),
    userId: input.userId,
    points: input.points,
    orderId: input.orderId,
    createdAt: now,
  };
  const debitEntryId = newId("txn", now);
  const description = input.description ?? `Order ${input.orderId}`;
  try {
    const [, , balance] = await db.batch([
      // First, so that a second spend of an order is told so whatever the balance.
      insertPointSpend(db, { ...spend, description, ledgerEntryId: debitEntryId }),
      appendLedgerEntry(db, {
        id: debitEntryId,
        userId: input.userId,
        type: "redemption",
        points: -input.points,
        description,
        createdAt: now,
      }),
      selectSpendableBalance(db, input.userId, now),
      ...(options.complete ? [options.complete(spend.id)] : []),
    ]);
    return { spend, balance: balance[0]?.balance ?? 0 };
  } catch (error) {
    if (violatedConstraint(error) === "point_spends.user_id, point_spends.order_id") {
      throw new ApiError(
        "order_already_spent",
        `Order ${input.orderId} was paid with points already.`,
      );
    }
    throw asInsufficientPoints(error, "The balance is too low for this spend.");
  }
}

/**
 * Gives a spend's points back, each with the expiry it had (see returnDebitStatements), in
 * one D1 batch. Once only: a second refund, even in parallel, is `409 already_refunded`.
 */
export async function refundSpend(
  db: Database,
  input: { userId: string; spendId: string },
  now: number = Date.now(),
): Promise<{ balance: number }> {
  // An erased user's points do not come back: they are gone like the rest of them.
  const [user, spend] = await Promise.all([
    findUserById(db, input.userId),
    findPointSpend(db, input.userId, input.spendId),
  ]);
  if (!user) throw new ApiError("not_found", `No user ${input.userId} exists.`);
  if (!spend) throw new ApiError("not_found", `No spend ${input.spendId} exists for this user.`);
  const statements = await returnDebitStatements(db, {
    debitEntryId: spend.ledgerEntryId,
    userId: spend.userId,
    description: `Refund: order ${spend.orderId}`,
    createdAt: now,
  });
  if (!statements) throw new Error(`Spend ${spend.id} has no recorded lot consumptions`);
  try {
    const results = await db.batch([...statements, selectSpendableBalance(db, spend.userId, now)]);
    const balance = results.at(-1) as { balance: number }[];
    return { balance: balance[0]?.balance ?? 0 };
  } catch (error) {
    if (violatedConstraint(error) === "debit_returns.debit_entry_id") {
      throw new ApiError("already_refunded", `Spend ${spend.id} was refunded already.`);
    }
    throw error;
  }
}

export interface CheckoutSpendInput extends SpendInput {
  /** The server key that calls: Idempotency-Keys are scoped to it. */
  apiKeyId: string;
  idempotencyKey: string;
  requestHash: string;
}

/**
 * A checkout's spend as the server API makes it: for a user that exists (404 otherwise),
 * under the caller's Idempotency-Key, so a retried request replays the first spend.
 */
export async function spendPointsAtCheckout(db: Database, input: CheckoutSpendInput) {
  if (!(await findUserById(db, input.userId))) {
    throw new ApiError("not_found", `No user ${input.userId} exists.`);
  }
  const scope = { userId: input.apiKeyId, scope: "wallet_spend", key: input.idempotencyKey };
  return runIdempotently(db, scope, input.requestHash, {
    run: (complete) => spendPoints(db, input, { complete }),
    replay: async (spendId) => {
      const spend = await findPointSpend(db, input.userId, spendId);
      if (!spend) throw new Error(`Idempotency key points at missing spend ${spendId}`);
      const wallet = await findWallet(db, input.userId);
      const { ledgerEntryId: _, ...shown } = spend;
      return { spend: shown, balance: wallet?.balance ?? 0 };
    },
  });
}
