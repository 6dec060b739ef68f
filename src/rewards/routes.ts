import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { rewardKinds } from "../db/schema";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { toIso } from "../lib/time";
import { requestFingerprint } from "../platform/idempotency";
import { redeemReward } from "./service";
import { listActiveRewards, listRedemptionsOf } from "./store";

const tags = ["Rewards"];

const RewardSchema = z
  .object({
    id: z.string().openapi({ example: "rwd_discount_10" }),
    name: z.string(),
    description: z.string(),
    cost: z.number().int(),
    kind: z.enum(rewardKinds),
  })
  .openapi("Reward");

const RedemptionSchema = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    rewardName: z.string(),
    cost: z.number().int(),
    couponCode: z.string().nullable().openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Redemption");

const RedeemBodySchema = z
  .object({
    rewardId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Defaults to the cheapest coupon." }),
  })
  .openapi("RedeemRequest");

const IdempotencyHeaderSchema = z.object({
  "idempotency-key": z.string().min(8).max(128).openapi({
    description: "Unique per redemption; a retry with the same key replays the result.",
  }),
});

const listRewards = createRoute({
  method: "get",
  path: "/v1/rewards",
  tags,
  summary: "The reward catalog",
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(RewardSchema) }).openapi("RewardList"),
      "The catalog",
    ),
  },
});

const redeem = createRoute({
  method: "post",
  path: "/v1/me/redemptions",
  tags,
  summary: "Spend points on a reward",
  ...signedIn,
  request: { body: jsonBody(RedeemBodySchema), headers: IdempotencyHeaderSchema },
  responses: {
    201: jsonResponse(
      z
        .object({ redemption: RedemptionSchema, balance: z.number().int() })
        .openapi("RedemptionResult"),
      "Redeemed (or, for a repeated Idempotency-Key, the first result again)",
    ),
    ...errorResponses(
      "unauthorized",
      "not_found",
      "insufficient_points",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

const listRedemptions = createRoute({
  method: "get",
  path: "/v1/me/redemptions",
  tags,
  summary: "My redemptions, newest first, with their coupon codes",
  ...signedIn,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(RedemptionSchema).openapi("RedemptionPage"),
      "A page of redemptions",
    ),
    ...errorResponses("unauthorized"),
  },
});

function toRedemption(row: {
  id: string;
  rewardId: string;
  rewardName: string;
  cost: number;
  couponCode: string | null;
  createdAt: number;
}) {
  const { id, rewardId, rewardName, cost, couponCode, createdAt } = row;
  return { id, rewardId, rewardName, cost, couponCode, createdAt: toIso(createdAt) };
}

export function registerRewardRoutes(app: App) {
  app.openapi(listRewards, async (c) => {
    return c.json({ data: await listActiveRewards(c.var.db) }, 200);
  });

  app.openapi(redeem, async (c) => {
    const body = c.req.valid("json");
    const { redemption, replayed } = await redeemReward(c.var.db, {
      userId: c.var.auth.userId,
      rewardId: body.rewardId,
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      requestHash: await requestFingerprint(body),
    });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json({ redemption: toRedemption(redemption), balance: redemption.balanceAfter }, 201);
  });

  app.openapi(listRedemptions, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await listRedemptionsOf(c.var.db, c.var.auth.userId, { limit, beforeId });
    const page = toPage(rows, limit, (row) => row.id);
    return c.json({ data: page.rows.map(toRedemption), nextCursor: page.nextCursor }, 200);
  });
}
