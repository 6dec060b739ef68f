import type { Database } from "../env";
import { ApiError } from "../errors";
import { auditEntry } from "../platform/audit";
import { runIdempotently } from "../platform/idempotency";
import { returnDebitStatements } from "../wallet/returns";
import { selectSpendableBalance } from "../wallet/store";
import { webhookEventStatements } from "../webhooks/outbox";
import { canonicalCouponCode, couponView } from "./rules";
import {
  type CouponRow,
  findCouponByCode,
  findCouponOfRedemption,
  findRedemptionDebit,
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
      const used = { ...coupon, status: "used" as const, usedAt: now, orderId: input.orderId };
      try {
        await db.batch([
          markCouponUsed(db, code, { orderId: input.orderId, now }),
          complete(coupon.redemptionId),
          ...webhookEventStatements(db, {
            type: "coupon.used",
            data: { coupon: couponView(used) },
            now,
          }),
        ]);
      } catch (error) {
        throw asCouponConflict(error);
      }
      return used;
    },
  });
}

/**
 * An admin voids an unused coupon: it becomes `void` and the points it cost come back —
 * each with the expiry it had (returnDebitStatements) — with the audit row and the
 * `coupon.voided` event, in one batch. The transition trigger refuses a used or already
 * void coupon, and a debit is returned once, so parallel voids return the points once.
 */
export async function voidRedemption(
  db: Database,
  actorId: string,
  input: { redemptionId: string; reason: string },
) {
  const coupon = await findCouponOfRedemption(db, input.redemptionId);
  const debit = coupon?.status ? await findRedemptionDebit(db, coupon.redemptionId) : undefined;
  if (!coupon || !debit) {
    throw new ApiError("not_found", `No redemption ${input.redemptionId} with a coupon exists.`);
  }
  const now = Date.now();
  const returned = await returnDebitStatements(db, {
    debitEntryId: debit.id,
    userId: coupon.userId,
    description: `Coupon voided: ${input.reason}`,
    createdAt: now,
  });
  if (!returned)
    throw new Error(`Redemption ${coupon.redemptionId} has no recorded lot consumptions`);
  const voided = { ...coupon, status: "void" as const };
  let balance: number;
  try {
    const results = await db.batch([
      // First: a used or void coupon is refused with its own reason before anything else.
      markCouponVoid(db, coupon.redemptionId, { reason: input.reason, now }),
      ...returned,
      auditEntry(db, {
        actorId,
        action: "redemption.void",
        targetType: "redemption",
        targetId: coupon.redemptionId,
        details: { couponCode: coupon.code, points: coupon.cost, reason: input.reason },
        at: now,
      }),
      ...webhookEventStatements(db, {
        type: "coupon.voided",
        data: { coupon: couponView(voided) },
        now,
      }),
      selectSpendableBalance(db, coupon.userId, now),
    ]);
    balance = (results.at(-1) as { balance: number }[])[0]?.balance ?? 0;
  } catch (error) {
    throw asCouponConflict(error);
  }
  return { coupon: voided, balance };
}
