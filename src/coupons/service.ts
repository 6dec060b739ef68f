import type { Database } from "../db/client";
import { errorText } from "../db/client";
import { ApiError } from "../errors";
import { auditEntry } from "../platform/audit";
import type { EventDeps } from "../platform/deps";
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
  markCouponReleased,
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
export function asCouponConflict(error: unknown): unknown {
  const text = errorText(error);
  if (text.includes("coupon_already_used")) {
    return new ApiError("coupon_already_used", "This coupon was already used.");
  }
  if (text.includes("coupon_void")) return new ApiError("coupon_void", "This coupon was voided.");
  if (text.includes("coupon_not_used: used on another order")) {
    return new ApiError("coupon_not_used", "This coupon was used on another order.");
  }
  if (text.includes("coupon_not_used")) {
    return new ApiError("coupon_not_used", "This coupon is not used: there is nothing to release.");
  }
  return error;
}

/**
 * For a batch: the coupon used on `orderId` — its transition (put it first: a used or void
 * coupon fails the batch with its own reason) and its `coupon.used` event — and the coupon
 * as it is then.
 */
export function couponUse(deps: EventDeps, coupon: CouponRow, orderId: string | null, now: number) {
  const { db } = deps;
  const used = { ...coupon, status: "used" as const, usedAt: now, orderId };
  return {
    used,
    transition: markCouponUsed(db, coupon.code as string, { orderId, now }),
    event: webhookEventStatements(deps, {
      type: "coupon.used",
      data: { coupon: couponView(used) },
      now,
    }),
  };
}

export interface UseCouponInput {
  /** The server key that calls: idempotency keys are scoped to it. */
  apiKeyId: string;
  code: string;
  orderId: string | null;
  idempotencyKey: string;
  requestHash: string;
}

/** The coupon an earlier request with the same Idempotency-Key acted on, as it is now. */
async function replayedCoupon(db: Database, redemptionId: string) {
  const coupon = await findCouponOfRedemption(db, redemptionId);
  if (!coupon) throw new Error(`Idempotency key points at missing coupon ${redemptionId}`);
  return coupon;
}

/**
 * Uses a coupon at checkout, once. The database decides among racing uses (the transition
 * trigger aborts every batch but the first); a retry with the same Idempotency-Key replays.
 */
export async function useCoupon(deps: EventDeps, input: UseCouponInput, now: number) {
  const { db } = deps;
  const scope = { userId: input.apiKeyId, scope: "coupon_use", key: input.idempotencyKey };
  return runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      replay: (redemptionId) => replayedCoupon(db, redemptionId),
      run: async (complete) => {
        const coupon = await couponByCode(db, input.code);
        const use = couponUse(deps, coupon, input.orderId, now);
        try {
          await db.batch([use.transition, complete(coupon.redemptionId), ...use.event]);
        } catch (error) {
          throw asCouponConflict(error);
        }
        return use.used;
      },
    },
    now,
  );
}

export interface ReleaseCouponInput extends UseCouponInput {
  /** The admin who created the calling key: the audit log's actor. */
  actorId: string;
}

/**
 * Puts a used coupon back to `issued` when its order was refunded or cancelled: the
 * transition, the audit row and the `coupon.released` event in one batch. The transition
 * trigger decides among racing releases (one commits, the others find it issued:
 * `409 coupon_not_used`); a retry with the same Idempotency-Key replays.
 */
export async function releaseCoupon(deps: EventDeps, input: ReleaseCouponInput, now: number) {
  const { db } = deps;
  const scope = { userId: input.apiKeyId, scope: "coupon_release", key: input.idempotencyKey };
  return runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      replay: (redemptionId) => replayedCoupon(db, redemptionId),
      run: async (complete) => {
        const coupon = await couponByCode(db, input.code);
        const released = { ...coupon, status: "issued" as const, usedAt: null, orderId: null };
        try {
          await db.batch([
            markCouponReleased(db, coupon.code as string, input.orderId),
            complete(coupon.redemptionId),
            auditEntry(db, {
              actorId: input.actorId,
              action: "coupon.release",
              targetType: "redemption",
              targetId: coupon.redemptionId,
              details: {
                couponCode: coupon.code,
                orderId: coupon.orderId,
                apiKeyId: input.apiKeyId,
              },
              at: now,
            }),
            ...webhookEventStatements(deps, {
              type: "coupon.released",
              data: { coupon: couponView(released) },
              now,
            }),
          ]);
        } catch (error) {
          throw asCouponConflict(error);
        }
        return released;
      },
    },
    now,
  );
}

/**
 * An admin voids an unused coupon: it becomes `void` and the points it cost come back —
 * each with the expiry it had (returnDebitStatements) — with the audit row and the
 * `coupon.voided` event, in one batch. The transition trigger refuses a used or already
 * void coupon, and a debit is returned once, so parallel voids return the points once.
 */
export async function voidRedemption(
  deps: EventDeps,
  actorId: string,
  input: { redemptionId: string; reason: string },
  now: number,
) {
  const { db } = deps;
  const coupon = await findCouponOfRedemption(db, input.redemptionId);
  const debit = coupon?.status ? await findRedemptionDebit(db, coupon.redemptionId) : undefined;
  if (!coupon || !debit) {
    throw new ApiError("not_found", `No redemption ${input.redemptionId} with a coupon exists.`);
  }
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
      ...webhookEventStatements(deps, {
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
