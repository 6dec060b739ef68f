import { z } from "@hono/zod-openapi";
import { couponStatuses, rewardKinds } from "../db/schema";
import { DiscountSchema } from "../rewards/discount";

/** A coupon as the server routes (check, use, release, checkout) show it. */
export const CouponSchema = z
  .object({
    code: z.string().openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
    status: z.enum(couponStatuses),
    reward: z.object({
      id: z.string(),
      name: z.string(),
      kind: z.enum(rewardKinds),
      discount: DiscountSchema,
    }),
    userId: z.string(),
    redemptionId: z.string(),
    issuedAt: z.string().openapi({ format: "date-time" }),
    usedAt: z.string().nullable().openapi({ format: "date-time" }),
    orderId: z.string().nullable(),
  })
  .openapi("Coupon");
