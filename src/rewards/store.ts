import { and, asc, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { type Discount, redemptions, rewards } from "../db/schema";
import { spendableBalance } from "../wallet/store";

const rewardColumns = {
  id: rewards.id,
  name: rewards.name,
  description: rewards.description,
  cost: rewards.cost,
  kind: rewards.kind,
  durationDays: rewards.durationDays,
  labels: rewards.labels,
  discount: rewards.discount,
};

export async function listActiveRewards(db: Database) {
  return db
    .select(rewardColumns)
    .from(rewards)
    .where(eq(rewards.active, true))
    .orderBy(asc(rewards.cost), asc(rewards.id))
    .all();
}

export async function findActiveReward(db: Database, id: string) {
  return db
    .select(rewardColumns)
    .from(rewards)
    .where(and(eq(rewards.id, id), eq(rewards.active, true)))
    .get();
}

export async function findCheapestActiveCoupon(db: Database) {
  return db
    .select(rewardColumns)
    .from(rewards)
    .where(and(eq(rewards.kind, "coupon"), eq(rewards.active, true)))
    .orderBy(asc(rewards.cost), asc(rewards.id))
    .limit(1)
    .get();
}

const redemptionColumns = {
  id: redemptions.id,
  rewardId: redemptions.rewardId,
  rewardName: rewards.name,
  cost: redemptions.cost,
  couponCode: redemptions.couponCode,
  discount: redemptions.discount,
  balanceAfter: redemptions.balanceAfter,
  createdAt: redemptions.createdAt,
};

export interface NewRedemption {
  id: string;
  userId: string;
  rewardId: string;
  cost: number;
  couponCode: string | null;
  /** What the coupon is worth, as the catalog said when it was issued (null: no coupon). */
  discount: Discount | null;
  createdAt: number;
}

/** For the redemption batch, after its ledger debit: records the spendable balance it left. */
export function insertRedemption(db: Database, redemption: NewRedemption) {
  return db.insert(redemptions).values({
    ...redemption,
    couponStatus: redemption.couponCode === null ? null : "issued",
    balanceAfter: spendableBalance(redemption.userId, redemption.createdAt),
  });
}

export async function findRedemption(db: Database, userId: string, id: string) {
  return db
    .select(redemptionColumns)
    .from(redemptions)
    .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
    .where(and(eq(redemptions.id, id), eq(redemptions.userId, userId)))
    .get();
}

export async function listRedemptionsOf(
  db: Database,
  userId: string,
  page: { limit: number; beforeId?: string | undefined },
) {
  return db
    .select(redemptionColumns)
    .from(redemptions)
    .innerJoin(rewards, eq(rewards.id, redemptions.rewardId))
    .where(and(eq(redemptions.userId, userId), before(redemptions.id, page.beforeId)))
    .orderBy(desc(redemptions.id))
    .limit(page.limit + 1)
    .all();
}
