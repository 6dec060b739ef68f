import { ledgerEntries } from "../db/schema";
import type { Database } from "../env";
import { ApiError } from "../errors";
import { auditEntry } from "../platform/audit";
import { runIdempotently } from "../platform/idempotency";
import { pointsExpireAt } from "../program/rules";
import { currentProgram } from "../program/store";
import { appendLedgerEntry } from "../wallet/store";
import { canonicalCouponCode } from "./rules";
import {
  type CouponRow,
  findCouponByCode,
  findCouponOfRedemption,
  markCouponUsed,
  markCouponVoid,
} from "./store";

function notFound(input: string): ApiError {
  return new ApiError("not_found", `No coupon ${input.slice(0, 40)} exists.`);
}

/** A coupon, or 404 for an unknown or malformed code (never a 5xx). */
export async function couponByCode(db: Database, input: string): Promise<CouponRow> {
  const code = canonicalCouponCode(input);
  const coupon = code === null ? undefined : await findCouponByCode(db, code);
  if (!coupon) throw notFound(input);
  return coupon;
}

/** A batch the coupon transition trigger refused, as the API's 409; other errors unchanged. */
function asCouponConflict(error: unknown): unknown {
  const text = error instanceof Error ? `${error.message} ${String(error.cause)}` : String(error);
  if (text.includes("coupon_already_used")) {
    return new ApiError("coupon_already_used", "This coupon was already used.");
  }
  if (text.includes("coupon_void")) return new ApiError("coupon_void", "This coupon was voided.");
  return error;
}

export interface UseCouponInput {
  /** The server key that calls: idempotency keys are scoped to it. */
  apiKeyId: string;
  code: string;
  orderId: string | null;
  idempotencyKey: string;
  requestHash: string;
}

/**
 * Uses a coupon at checkout, once. The database decides among racing uses (the transition
 * trigger aborts every batch but the first); a retry with the same Idempotency-Key replays.
 */
export async function useCoupon(db: Database, input: UseCouponInput) {
  const scope = { userId: input.apiKeyId, scope: "coupon_use", key: input.idempotencyKey };
  return runIdempotently(db, scope, input.requestHash, {
    replay: async (redemptionId) => {
      const coupon = await findCouponOfRedemption(db, redemptionId);
      if (!coupon) throw new Error(`Idempotency key points at missing coupon ${redemptionId}`);
      return coupon;
    },
    run: async (complete) => {
      const coupon = await couponByCode(db, input.code);
      const code = coupon.code as string;
      const now = Date.now();
      try {
        await db.batch([
          markCouponUsed(db, code, { orderId: input.orderId, now }),
          complete(coupon.redemptionId),
        ]);
      } catch (error) {
        throw asCouponConflict(error);
      }
      return { ...coupon, status: "used" as const, usedAt: now, orderId: input.orderId };
    },
  });
}

/**
 * An admin voids an unused coupon: it becomes `void` and its points come back with a
 * `reversal` entry, with the audit row, in one batch. The trigger refuses a used or
 * already void coupon, so parallel voids return the points once.
 */
export async function voidRedemption(
  db: Database,
  actorId: string,
  input: { redemptionId: string; reason: string },
) {
  const coupon = await findCouponOfRedemption(db, input.redemptionId);
  if (!coupon?.status) {
    throw new ApiError("not_found", `No redemption ${input.redemptionId} with a coupon exists.`);
  }
  const [program, now] = [await currentProgram(db), Date.now()];
  let balance: number;
  try {
    const [, [credit]] = await db.batch([
      markCouponVoid(db, coupon.redemptionId, { reason: input.reason, now }),
      appendLedgerEntry(db, {
        userId: coupon.userId,
        type: "reversal",
        points: coupon.cost,
        description: `Coupon voided: ${input.reason}`,
        redemptionId: coupon.redemptionId,
        createdAt: now,
        expiresAt: pointsExpireAt(now, program.rules),
      }).returning({ balanceAfter: ledgerEntries.balanceAfter }),
      auditEntry(db, {
        actorId,
        action: "redemption.void",
        targetType: "redemption",
        targetId: coupon.redemptionId,
        details: { couponCode: coupon.code, points: coupon.cost, reason: input.reason },
        at: now,
      }),
    ]);
    balance = credit?.balanceAfter ?? 0;
  } catch (error) {
    throw asCouponConflict(error);
  }
  return { coupon: { ...coupon, status: "void" as const }, balance };
}
