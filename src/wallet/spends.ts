import type { BatchItem } from "drizzle-orm/batch";
import {
  type BatchGuards,
  behindGuards,
  type Database,
  errorText,
  violatedConstraint,
} from "../db/client";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { runIdempotently } from "../platform/idempotency";
import { findUserById } from "../users/store";
import { partialReturnStatements, takenByExpiry } from "./returns";
import {
  addRefundedPoints,
  appendLedgerEntry,
  asInsufficientPoints,
  findPointSpend,
  findWallet,
  insertPointSpend,
  refundedPointsOf,
  selectRefundableRest,
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

/** A stored spend (findPointSpend) as the API shows it. */
export function pointSpendOf(row: PointSpend): PointSpend {
  const { id, userId, points, orderId, createdAt } = row;
  return { id, userId, points, orderId, createdAt };
}

export interface SpendInput {
  userId: string;
  /** A positive whole number of points (the route validates it; a CHECK guards it too). */
  points: number;
  orderId: string;
  description?: string | undefined;
}

/**
 * For a batch: the spend of an order and its `redemption` entry, which consumes the user's
 * unexpired points first-expiring-first. The unique (user, order id) makes a second spend of
 * a user's order fail the batch, the lots' trigger a spend beyond the spendable balance (see
 * asSpendRefusal); put the spend first so that a second spend is told so whatever the balance.
 */
export function spendStatements(db: Database, input: SpendInput, now: number) {
  const spend: PointSpend = {
    id: newId("spd", now),
    userId: input.userId,
    points: input.points,
    orderId: input.orderId,
    createdAt: now,
  };
  const debitEntryId = newId("txn", now);
  const description = input.description ?? `Order ${input.orderId}`;
  return {
    spend,
    statements: [
      insertPointSpend(db, { ...spend, description, ledgerEntryId: debitEntryId }),
      appendLedgerEntry(db, {
        id: debitEntryId,
        userId: input.userId,
        type: "redemption",
        points: -input.points,
        description,
        createdAt: now,
      }),
    ] as const,
  };
}

/** A batch refused for its spend, as the API's error; other errors unchanged. */
export function asSpendRefusal(error: unknown, orderId: string): unknown {
  const constraint = violatedConstraint(error);
  if (constraint === "point_spends.user_id, point_spends.order_id") {
    return new ApiError("order_already_spent", `Order ${orderId} was paid with points already.`);
  }
  // A checkout row (src/checkout/): the order was checked out already, with or without points.
  if (constraint === "checkouts.user_id, checkouts.order_id") {
    return new ApiError("order_already_spent", `Order ${orderId} was checked out already.`);
  }
  return asInsufficientPoints(error, "The balance is too low for this spend.");
}

/**
 * Pays for an order with points: the spend (spendStatements) in one D1 batch, so parallel
 * spends never take the balance below zero nor spend an order twice. The caller's `guards`
 * go first in the batch; `complete`, from runIdempotently, joins it.
 *
 * @example const { spend, balance } = await spendPoints(db, { userId, points: 50, orderId: "ord_1" }, now);
 */
export async function spendPoints(
  db: Database,
  input: SpendInput & { guards?: BatchGuards | undefined },
  now: number,
  complete?: (spendId: string) => BatchItem<"sqlite">,
): Promise<{ spend: PointSpend; balance: number }> {
  const { spend, statements } = spendStatements(db, input, now);
  try {
    const results = await db.batch(
      behindGuards(input.guards, [
        ...statements,
        ...(complete ? [complete(spend.id)] : []),
        selectSpendableBalance(db, input.userId, now),
      ]),
    );
    const [balance] = results.at(-1) as { balance: number }[];
    return { spend, balance: balance?.balance ?? 0 };
  } catch (error) {
    throw asSpendRefusal(error, input.orderId);
  }
}

export interface SpendRefund {
  balance: number;
  /** The points this refund gave back. */
  refundedPoints: number;
  /** What is left of the spend to refund after it. */
  remainingPoints: number;
}

/**
 * Gives points of a spend back — all that remains, or `points` of it — each with the expiry
 * it had, latest-expiring first (partialReturnStatements), in one D1 batch. Refunds add up
 * to the spend at most: the first statement adds to the spend's `refunded_points`, which a
 * trigger keeps within the spend, so parallel refunds never give back more than was spent
 * (`409 already_refunded`, as is a refund of a spend refunded whole). The caller's `guards`
 * go first in the batch.
 */
export async function refundSpend(
  db: Database,
  input: {
    userId: string;
    spendId: string;
    points?: number | undefined;
    guards?: BatchGuards | undefined;
  },
  now: number,
  complete?: (resourceId: string) => BatchItem<"sqlite">,
): Promise<SpendRefund> {
  // An erased user's points do not come back: they are gone like the rest of them.
  const [user, spend] = await Promise.all([
    findUserById(db, input.userId),
    findPointSpend(db, input.userId, input.spendId),
  ]);
  if (!user) throw new ApiError("not_found", `No user ${input.userId} exists.`);
  if (!spend) throw new ApiError("not_found", `No spend ${input.spendId} exists for this user.`);
  const remaining = spend.points - spend.refundedPoints;
  const points = input.points ?? remaining;
  if (remaining === 0 || points > remaining) throw alreadyRefunded(spend.id, remaining);
  const taken = await takenByExpiry(db, spend.ledgerEntryId, spend.userId);
  if (taken.length === 0) throw new Error(`Spend ${spend.id} has no recorded lot consumptions`);
  try {
    const results = await db.batch(
      behindGuards(input.guards, [
        addRefundedPoints(db, spend.id, points),
        ...partialReturnStatements(db, {
          userId: spend.userId,
          taken,
          points,
          returnedSoFar: refundedPointsOf(spend.id),
          description: `Refund: order ${spend.orderId}`,
          createdAt: now,
        }),
        ...(complete ? [complete(refundResourceId(spend.id, points))] : []),
        selectRefundableRest(db, spend.id),
        selectSpendableBalance(db, spend.userId, now),
      ]),
    );
    const [left] = results.at(-2) as { remaining: number }[];
    const [balance] = results.at(-1) as { balance: number }[];
    return {
      balance: balance?.balance ?? 0,
      refundedPoints: points,
      remainingPoints: left?.remaining ?? 0,
    };
  } catch (error) {
    // Another refund took what remained meanwhile.
    if (errorText(error).includes("already_refunded:")) throw alreadyRefunded(spend.id, null);
    throw error;
  }
}

/** What an Idempotency-Key of a refund remembers: the spend and the points it gave back. */
function refundResourceId(spendId: string, points: number): string {
  return `${spendId}/${points}`;
}

/**
 * A refund as the server API makes it: with an Idempotency-Key (optional), a retried
 * request replays the first refund instead of giving more points back.
 */
export async function refundSpendAtCheckout(
  db: Database,
  input: {
    userId: string;
    spendId: string;
    points?: number | undefined;
    idempotency?: { apiKeyId: string; key: string; requestHash: string } | undefined;
    /** First in the refund's batch (e.g. the calling server key still live). */
    guards: BatchGuards;
  },
  now: number,
): Promise<{ value: SpendRefund; replayed: boolean }> {
  const { idempotency } = input;
  if (!idempotency) return { value: await refundSpend(db, input, now), replayed: false };
  const scope = { userId: idempotency.apiKeyId, scope: "spend_refund", key: idempotency.key };
  return runIdempotently(
    db,
    scope,
    idempotency.requestHash,
    {
      run: (complete) => refundSpend(db, input, now, complete),
      replay: async (resourceId) => {
        const [spendId = "", points = "0"] = resourceId.split("/");
        const [spend, wallet] = await Promise.all([
          findPointSpend(db, input.userId, spendId),
          findWallet(db, input.userId, now),
        ]);
        if (!spend) throw new ApiError("not_found", `No spend ${spendId} exists for this user.`);
        return {
          balance: wallet?.balance ?? 0,
          refundedPoints: Number(points),
          remainingPoints: spend.points - spend.refundedPoints,
        };
      },
    },
    now,
  );
}

function alreadyRefunded(spendId: string, remaining: number | null): ApiError {
  return new ApiError(
    "already_refunded",
    remaining === null || remaining === 0
      ? `Spend ${spendId} was refunded already, or not as much of it remains.`
      : `Only ${remaining} points of spend ${spendId} remain to refund.`,
  );
}

export interface CheckoutSpendInput extends SpendInput {
  /** The server key that calls: Idempotency-Keys are scoped to it. */
  apiKeyId: string;
  idempotencyKey: string;
  requestHash: string;
  /** First in the spend's batch (e.g. the calling server key still live). */
  guards: BatchGuards;
}

/**
 * A checkout's spend as the server API makes it: for a user that exists (404 otherwise),
 * under the caller's Idempotency-Key, so a retried request replays the first spend.
 */
export async function spendPointsAtCheckout(db: Database, input: CheckoutSpendInput, now: number) {
  if (!(await findUserById(db, input.userId))) {
    throw new ApiError("not_found", `No user ${input.userId} exists.`);
  }
  const scope = { userId: input.apiKeyId, scope: "wallet_spend", key: input.idempotencyKey };
  return runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      run: (complete) => spendPoints(db, input, now, complete),
      replay: async (spendId) => {
        const spend = await findPointSpend(db, input.userId, spendId);
        if (!spend) throw new Error(`Idempotency key points at missing spend ${spendId}`);
        const wallet = await findWallet(db, input.userId, now);
        return { spend: pointSpendOf(spend), balance: wallet?.balance ?? 0 };
      },
    },
    now,
  );
}
