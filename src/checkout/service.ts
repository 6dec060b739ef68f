/**
 * One call for an order at the shop's checkout: a coupon and points, both or neither. Above
 * coupons and wallet, which it puts together in one D1 batch.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { asCouponConflict, couponByCode, couponUse } from "../coupons/service";
import type { CouponRow } from "../coupons/store";
import { findCouponByCode } from "../coupons/store";
import { type BatchGuards, behindGuards, type Database } from "../db/client";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import type { EventDeps } from "../platform/deps";
import { runIdempotently } from "../platform/idempotency";
import { findUserById } from "../users/store";
import { asSpendRefusal, type PointSpend, pointSpendOf, spendStatements } from "../wallet/spends";
import { findPointSpend, findWallet, selectSpendableBalance } from "../wallet/store";
import { findCheckout, insertCheckout } from "./store";

export interface CheckoutInput {
  userId: string;
  orderId: string;
  couponCode?: string | undefined;
  points?: number | undefined;
  description?: string | undefined;
  /** The server key that calls: Idempotency-Keys are scoped to it. */
  apiKeyId: string;
  idempotencyKey: string;
  requestHash: string;
  /** First in the checkout's batch (e.g. the calling server key still live). */
  guards: BatchGuards;
}

export interface Checkout {
  orderId: string;
  coupon: CouponRow | null;
  spend: PointSpend | null;
  balance: number;
}

/**
 * Uses the coupon on the order and spends the points on it in one D1 batch: the caller's
 * guards first (a server key revoked since its check), then the coupon's transition (a used
 * or void one fails the batch with its reason), then the checkout row (one per order of a
 * user: `order_already_spent`), then the spend (`insufficient_points`, `order_already_spent`).
 * Any refusal aborts the whole batch, so a refused checkout changes nothing — the coupon
 * stays `issued`, no point moves — and of parallel checkouts of one order exactly one
 * commits. A retry with the same Idempotency-Key replays the first.
 */
export async function checkoutOrder(
  deps: EventDeps,
  input: CheckoutInput,
  now: number,
): Promise<{ value: Checkout; replayed: boolean }> {
  const { db } = deps;
  if (!(await findUserById(db, input.userId))) {
    throw new ApiError("not_found", `No user ${input.userId} exists.`);
  }
  const scope = { userId: input.apiKeyId, scope: "checkout", key: input.idempotencyKey };
  return runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      replay: (checkoutId) => replayCheckout(db, input.userId, checkoutId, now),
      run: async (complete) => {
        const coupon =
          input.couponCode === undefined ? null : await couponByCode(db, input.couponCode);
        const use = coupon ? couponUse(deps, coupon, input.orderId, now) : null;
        const spending =
          input.points === undefined
            ? null
            : spendStatements(
                db,
                {
                  userId: input.userId,
                  points: input.points,
                  orderId: input.orderId,
                  description: input.description,
                },
                now,
              );
        const id = newId("chk", now);
        const row = insertCheckout(db, {
          id,
          userId: input.userId,
          orderId: input.orderId,
          couponCode: coupon?.code ?? null,
          spendId: spending?.spend.id ?? null,
          createdAt: now,
        });
        const writes: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = use
          ? [use.transition, row]
          : [row];
        try {
          const results = await db.batch(
            behindGuards(input.guards, [
              ...writes,
              ...(spending?.statements ?? []),
              complete(id),
              ...(use?.event ?? []),
              selectSpendableBalance(db, input.userId, now),
            ]),
          );
          const [balance] = results.at(-1) as { balance: number }[];
          return {
            orderId: input.orderId,
            coupon: use?.used ?? null,
            spend: spending?.spend ?? null,
            balance: balance?.balance ?? 0,
          };
        } catch (error) {
          throw asSpendRefusal(asCouponConflict(error), input.orderId);
        }
      },
    },
    now,
  );
}

async function replayCheckout(db: Database, userId: string, checkoutId: string, now: number) {
  const checkout = await findCheckout(db, userId, checkoutId);
  if (!checkout) throw new Error(`Idempotency key points at missing checkout ${checkoutId}`);
  const [coupon, spend, wallet] = await Promise.all([
    checkout.couponCode === null ? undefined : findCouponByCode(db, checkout.couponCode),
    checkout.spendId === null ? undefined : findPointSpend(db, userId, checkout.spendId),
    findWallet(db, userId, now),
  ]);
  return {
    orderId: checkout.orderId,
    coupon: coupon ?? null,
    spend: spend ? pointSpendOf(spend) : null,
    balance: wallet?.balance ?? 0,
  };
}
