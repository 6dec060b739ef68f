import { z } from "@hono/zod-openapi";
import { type Discount, rewardKinds } from "../db/schema";
import { LabelsSchema } from "../i18n/schemas";
import { toIso } from "../lib/time";
import { DiscountSchema } from "./discount";

export const RewardSchema = z
  .object({
    id: z.string().openapi({ example: "rwd_discount_10" }),
    name: z.string(),
    description: z.string(),
    cost: z.number().int(),
    kind: z.enum(rewardKinds),
    durationDays: z.number().int().nullable().openapi({
      description: "How long an unlock lasts, in days; null: for good (and for coupons).",
    }),
    labels: LabelsSchema.nullable().openapi({
      description: "The reward's name per language; show `name` where a language has none.",
    }),
    discount: DiscountSchema,
  })
  .openapi("Reward");

export const RedemptionSchema = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    rewardName: z.string(),
    cost: z.number().int(),
    couponCode: z.string().nullable().openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
    discount: DiscountSchema.openapi({
      description: "What the coupon is worth, as the catalog said when it was issued.",
    }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Redemption");

export const UnlockSchema = z
  .object({
    unlock: z.string().openapi({ example: "free_theme" }),
    source: z.enum(["milestone", "redemption"]),
    grantedAt: z.string().openapi({ format: "date-time" }),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "null: for good" }),
  })
  .openapi("Unlock");

export const UnlockListSchema = z.object({ data: z.array(UnlockSchema) }).openapi("UnlockList");

export function toRedemption(row: {
  id: string;
  rewardId: string;
  rewardName: string;
  cost: number;
  couponCode: string | null;
  discount: Discount | null;
  createdAt: number;
}) {
  const { id, rewardId, rewardName, cost, couponCode, discount, createdAt } = row;
  return { id, rewardId, rewardName, cost, couponCode, discount, createdAt: toIso(createdAt) };
}

export const AdminRewardSchema = RewardSchema.extend({
  active: z.boolean(),
  createdAt: z.string().openapi({ format: "date-time" }),
}).openapi("AdminReward");

export const RewardFieldsSchema = z.object({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(500),
  cost: z.number().int().min(1).max(10_000_000),
  kind: z.enum(rewardKinds),
  durationDays: z.number().int().min(1).max(3650).nullable().optional(),
  labels: LabelsSchema.nullable().optional(),
  discount: DiscountSchema.optional(),
  active: z.boolean(),
});

export const RedeemBodySchema = z
  .object({
    rewardId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Defaults to the cheapest coupon." }),
  })
  .openapi("RedeemRequest");
