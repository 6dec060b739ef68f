import type { Database } from "../db/client";
import { redemptions } from "../db/schema";
import { ApiError } from "../errors";
import { newCouponCode, newId } from "../lib/ids";
import type { EventDeps } from "../platform/deps";
import { runIdempotently } from "../platform/idempotency";
import { appendLedgerEntry, asInsufficientPoints } from "../wallet/store";
import { rewardRedeemedEvent, unlockGrantedEvent } from "../webhooks/events";
import {
  findActiveReward,
  findCheapestActiveCoupon,
  findRedemption,
  insertRedemption,
} from "./store";
import { asUnlockAlreadyGranted, grantNewUnlock, unlockOfReward } from "./unlocks";

export interface RedeemInput {
  userId: string;
  rewardId?: string | undefined;
  idempotencyKey: string;
  requestHash: string;
}

async function chooseReward(db: Database, rewardId: string | undefined) {
  const reward = rewardId
    ? await findActiveReward(db, rewardId)
    : await findCheapestActiveCoupon(db);
  if (!reward) {
    throw new ApiError(
      "not_found",
      rewardId ? `No reward ${rewardId} exists.` : "No coupon reward is on offer.",
    );
  }
  return reward;
}

/**
 * Spends points on a reward. The debit, the redemption and the idempotency key's completion
 * are one D1 batch; the wallet's CHECK (balance >= 0) makes an overdraft abort it, so
 * concurrent redemptions can never spend the same points twice.
 */
export async function redeemReward(deps: EventDeps, input: RedeemInput, now: number) {
  const { db } = deps;
  const scope = { userId: input.userId, scope: "redemption", key: input.idempotencyKey };
  const { value: redemption, replayed } = await runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      replay: async (id) => {
        const earlier = await findRedemption(db, input.userId, id);
        if (!earlier) throw new Error(`Idempotency key points at missing redemption ${id}`);
        return earlier;
      },
      run: async (complete) => {
        const reward = await chooseReward(db, input.rewardId);
        const redemptionId = newId("rdm", now);
        const couponCode = reward.kind === "coupon" ? newCouponCode() : null;
        const discount = couponCode === null ? null : reward.discount;
        const unlock = {
          userId: input.userId,
          unlock: unlockOfReward(reward.id),
          source: "redemption" as const,
          at: now,
          durationDays: reward.durationDays,
        };
        try {
          const [, [recorded]] = await db.batch([
            appendLedgerEntry(db, {
              userId: input.userId,
              type: "redemption",
              points: -reward.cost,
              description: `Redeemed: ${reward.name}`,
              redemptionId,
              createdAt: now,
            }),
            insertRedemption(db, {
              id: redemptionId,
              userId: input.userId,
              rewardId: reward.id,
              cost: reward.cost,
              couponCode,
              discount,
              createdAt: now,
            }).returning({ balanceAfter: redemptions.balanceAfter }),
            complete(redemptionId),
            // A one-time unlock the user holds already fails the batch: nothing is spent.
            ...(reward.kind === "unlock" ? grantNewUnlock(db, unlock) : []),
            ...rewardRedeemedEvent(deps, {
              id: redemptionId,
              userId: input.userId,
              reward: { id: reward.id, name: reward.name, kind: reward.kind, discount },
              cost: reward.cost,
              couponCode,
              createdAt: now,
            }),
            ...(reward.kind === "unlock" ? unlockGrantedEvent(deps, unlock) : []),
          ]);
          return {
            id: redemptionId,
            rewardId: reward.id,
            rewardName: reward.name,
            cost: reward.cost,
            couponCode,
            discount,
            balanceAfter: recorded?.balanceAfter ?? 0,
            createdAt: now,
          };
        } catch (error) {
          throw asInsufficientPoints(
            asUnlockAlreadyGranted(error, unlock.unlock),
            "Your balance is too low for this reward.",
          );
        }
      },
    },
    now,
  );
  return { redemption, replayed };
}
