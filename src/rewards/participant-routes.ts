import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { depsOf } from "../platform/deps";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import {
  RedeemBodySchema,
  RedemptionSchema,
  RewardSchema,
  toRedemption,
  UnlockListSchema,
} from "./schemas";
import { redeemReward } from "./service";
import { listActiveRewards, listRedemptionsOf } from "./store";
import { unlocksNow } from "./unlocks";

const tags = ["Rewards"];

const listRewards = createRoute({
  method: "get",
  path: "/v1/rewards",
  operationId: "listRewards",
  security: [],
  tags,
  summary: "The reward catalog",
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(RewardSchema) }).openapi("RewardList"),
      "The catalog",
    ),
    ...errorResponses(),
  },
});

const redeem = createRoute({
  method: "post",
  path: "/v1/me/redemptions",
  operationId: "redeemReward",
  tags,
  summary: "Spend points on a reward",
  ...signedIn,
  request: { body: jsonBody(RedeemBodySchema), headers: IdempotencyHeaderSchema },
  responses: {
    201: {
      ...jsonResponse(
        z
          .object({ redemption: RedemptionSchema, balance: z.number().int() })
          .openapi("RedemptionResult"),
        "Redeemed (or, for a repeated Idempotency-Key, the first result again)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "not_found",
      "insufficient_points",
      "unlock_already_granted",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

const listRedemptions = createRoute({
  method: "get",
  path: "/v1/me/redemptions",
  operationId: "listMyRedemptions",
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

const listUnlocks = createRoute({
  method: "get",
  path: "/v1/me/unlocks",
  operationId: "listMyUnlocks",
  tags,
  summary: "My entitlements: milestone unlocks and unlock rewards",
  ...signedIn,
  responses: {
    200: jsonResponse(UnlockListSchema, "My unlocks"),
    ...errorResponses("unauthorized"),
  },
});

export function registerRewardRoutes(app: App) {
  app.openapi(listRewards, async (c) => {
    return c.json({ data: await listActiveRewards(c.var.db) }, 200);
  });

  app.openapi(redeem, async (c) => {
    const body = c.req.valid("json");
    const { redemption, replayed } = await redeemReward(
      depsOf(c),
      {
        userId: c.var.auth.userId,
        rewardId: body.rewardId,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        requestHash: await requestFingerprint(body),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json({ redemption: toRedemption(redemption), balance: redemption.balanceAfter }, 201);
  });

  app.openapi(listUnlocks, async (c) => {
    return c.json(await unlocksNow(c.var.db, c.var.auth.userId, c.var.now), 200);
  });

  app.openapi(listRedemptions, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await listRedemptionsOf(c.var.db, c.var.auth.userId, { limit, beforeId });
    const page = toPage(rows, limit, (row) => row.id);
    return c.json({ data: page.rows.map(toRedemption), nextCursor: page.nextCursor }, 200);
  });
}
