import { violatedConstraint } from "../db/client";
import { redemptions } from "../db/schema";
import type { Database } from "../env";
import { ApiError } from "../errors";
import { newCouponCode, newId } from "../lib/ids";
import {
  claimIdempotencyKey,
  type IdempotencyScope,
  releaseIdempotencyKey,
} from "../platform/idempotency";
import { appendLedgerEntry, OVERDRAFT_CONSTRAINTS } from "../wallet/store";
import {
  findActiveReward,
  findCheapestActiveCoupon,
  findRedemption,
  insertRedemption,
} from "./store";
import { grantUnlock, unlockOfReward } from "./unlocks";

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
export async function redeemReward(db: Database, input: RedeemInput) {
  const scope: IdempotencyScope = {
    userId: input.userId,
    scope: "redemption",
    key: input.idempotencyKey,
  };
  const claim = await claimIdempotencyKey(db, scope, input.requestHash);
  if (claim.kind === "replay") {
    const earlier = await findRedemption(db, input.userId, claim.resourceId);
    if (!earlier)
      throw new Error(`Idempotency key points at missing redemption ${claim.resourceId}`);
    return { redemption: earlier, replayed: true };
  }

  try {
    const reward = await chooseReward(db, input.rewardId);
    const now = Date.now();
    const redemptionId = newId("rdm", now);
    const couponCode = reward.kind === "coupon" ? newCouponCode() : null;
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
        createdAt: now,
      }).returning({ balanceAfter: redemptions.balanceAfter }),
      claim.complete(redemptionId),
      ...(reward.kind === "unlock"
        ? [
            grantUnlock(db, {
              userId: input.userId,
              unlock: unlockOfReward(reward.id),
              source: "redemption",
              at: now,
            }),
          ]
        : []),
    ]);
    const redemption = {
      id: redemptionId,
      rewardId: reward.id,
      rewardName: reward.name,
      cost: reward.cost,
      couponCode,
      balanceAfter: recorded?.balanceAfter ?? 0,
      createdAt: now,
    };
    return { redemption, replayed: false };
  } catch (error) {
    await releaseIdempotencyKey(db, scope);
    if (OVERDRAFT_CONSTRAINTS.has(violatedConstraint(error) ?? "")) {
      throw new ApiError("insufficient_points", "Your balance is too low for this reward.");
    }
    throw error;
  }
}
