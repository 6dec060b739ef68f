import { CODE_ALPHABET } from "../lib/ids";
import { toIso } from "../lib/time";
import type { CouponRow } from "./store";

const COUPON_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{4}(-[${CODE_ALPHABET}]{4}){3}$`);

/**
 * A coupon code as stored ("K7QM-2XRP-9HTB-C4WD"), from any case, with or without its
 * dashes; null when it cannot be one (then it is simply not found).
 */
export function canonicalCouponCode(input: string): string | null {
  const compact = input.trim().toUpperCase().replaceAll("-", "");
  const code = compact.match(/.{1,4}/g)?.join("-") ?? "";
  return COUPON_PATTERN.test(code) ? code : null;
}

/** A coupon as the API and its webhooks (`coupon.used`, `.voided`, `.released`) show it. */
export function couponView(row: CouponRow) {
  return {
    code: row.code ?? "",
    status: row.status ?? "issued",
    reward: {
      id: row.rewardId,
      name: row.rewardName,
      kind: row.rewardKind,
      discount: row.discount,
    },
    userId: row.userId,
    redemptionId: row.redemptionId,
    issuedAt: toIso(row.issuedAt),
    usedAt: row.usedAt === null ? null : toIso(row.usedAt),
    orderId: row.orderId,
  };
}
