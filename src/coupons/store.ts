import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { ledgerEntries, redemptions, rewards } from "../db/schema";

const couponColumns = {
  code: redemptions.couponCode,
  status: redemptions.couponStatus,
  // The redemption's column, not rewards.id: two columns named `id` in one row are one in
  // D1's `all()`, which the benchmark's exact row metering reads (src/db/client.ts).
  rewardId: redemptions.rewardId,
  rewardName: rewards.name,
  rewardKind: rewards.kind,
  discount: redemptions.discount,
  userId: redemptions.userId,
  redemptionId: redemptions.id,
  cost: redemptions.cost,
  issuedAt: redemptions.createdAt,
  usedAt: redemptions.couponUsedAt,
  orderId: redemptions.couponOrderId,
};

function couponWhere(db: Database) {
  return db
    .select(couponColumns)
    .from(redemptions)
    .innerJoin(rewards, eq(rewards.id, redemptions.rewardId));
}

export type CouponRow = NonNullable<Awaited<ReturnType<typeof findCouponByCode>>>;

export async function findCouponByCode(db: Database, code: string) {
  return couponWhere(db).where(eq(redemptions.couponCode, code)).get();
}

/** The coupon of a redemption (status null: the redemption was not a coupon). */
export async function findCouponOfRedemption(db: Database, redemptionId: string) {
  return couponWhere(db).where(eq(redemptions.id, redemptionId)).get();
}

/**
 * For a batch: marks a coupon used. The transition trigger aborts the batch unless the
 * coupon is still `issued`, so of any number of racing uses exactly one commits.
 */
export function markCouponUsed(
  db: Database,
  code: string,
  use: { orderId: string | null; now: number },
) {
  return db
    .update(redemptions)
    .set({ couponStatus: "used", couponUsedAt: use.now, couponOrderId: use.orderId })
    .where(eq(redemptions.couponCode, code));
}

/**
 * For a batch: puts a used coupon back to `issued`, without its order. With `orderId`, only
 * a coupon used on that order: for another order the statement keeps the order, which the
 * transition trigger refuses (an issued coupon has no order), as it refuses a coupon that
 * is not used (`coupon_not_used`): of racing releases exactly one commits.
 */
export function markCouponReleased(db: Database, code: string, orderId: string | null) {
  return db
    .update(redemptions)
    .set({
      couponStatus: "issued",
      couponUsedAt: null,
      couponOrderId: sql`case when ${orderId} is null or ${redemptions.couponOrderId} is ${orderId}
        then null else ${redemptions.couponOrderId} end`,
    })
    .where(eq(redemptions.couponCode, code));
}

/** For a batch: voids a coupon; the same trigger refuses a used or already void one. */
export function markCouponVoid(
  db: Database,
  redemptionId: string,
  voiding: { reason: string; now: number },
) {
  return db
    .update(redemptions)
    .set({ couponStatus: "void", voidedAt: voiding.now, voidReason: voiding.reason })
    .where(eq(redemptions.id, redemptionId));
}

/** The ledger entry that paid for a redemption: what a void gives back. */
export async function findRedemptionDebit(db: Database, redemptionId: string) {
  return db
    .select({ id: ledgerEntries.id })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.redemptionId, redemptionId), eq(ledgerEntries.type, "redemption")))
    .get();
}
