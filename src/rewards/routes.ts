import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { violatedConstraint } from "../db/client";
import { type Discount, rewardKinds } from "../db/schema";
import type { Database } from "../env";
import { ApiError, errorResponses } from "../errors";
import { signedIn, signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { LabelsSchema } from "../i18n/schemas";
import { newRewardSuffix } from "../lib/ids";
import { toIso } from "../lib/time";
import { depsOf } from "../platform/deps";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { createReward, listAllRewards, updateReward } from "./admin";
import { DiscountSchema } from "./discount";
import { redeemReward } from "./service";
import { listActiveRewards, listRedemptionsOf } from "./store";
import { listUnlocksOf } from "./unlocks";

const tags = ["Rewards"];

const RewardSchema = z
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

/** The entitlements a user holds now, as `GET /v1/me/unlocks` and the server route show them. */
export async function unlocksNow(db: Database, userId: string, now: number) {
  const rows = await listUnlocksOf(db, userId, now);
  return {
    data: rows.map((row) => ({
      ...row,
      grantedAt: toIso(row.grantedAt),
      expiresAt: row.expiresAt === null ? null : toIso(row.expiresAt),
    })),
  };
}

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

const AdminRewardSchema = RewardSchema.extend({
  active: z.boolean(),
  createdAt: z.string().openapi({ format: "date-time" }),
}).openapi("AdminReward");

const RewardFieldsSchema = z.object({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(500),
  cost: z.number().int().min(1).max(10_000_000),
  kind: z.enum(rewardKinds),
  durationDays: z.number().int().min(1).max(3650).nullable().optional(),
  labels: LabelsSchema.nullable().optional(),
  discount: DiscountSchema.optional(),
  active: z.boolean(),
});

const RewardIdParam = z.object({ id: z.string().regex(/^rwd_[a-z0-9_]{1,60}$/) });

const adminListRewards = createRoute({
  method: "get",
  path: "/v1/admin/rewards",
  operationId: "listAllRewards",
  tags: ["Administration"],
  summary: "The whole catalog, retired rewards included",
  ...signedInAdmin,
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(AdminRewardSchema) }).openapi("AdminRewardList"),
      "The catalog",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const adminCreateReward = createRoute({
  method: "post",
  path: "/v1/admin/rewards",
  operationId: "createReward",
  tags: ["Administration"],
  summary: "Add a reward to the catalog",
  ...signedInAdmin,
  request: {
    body: jsonBody(
      RewardFieldsSchema.extend({
        id: z
          .string()
          .regex(/^rwd_[a-z0-9_]{1,60}$/, "must look like rwd_free_shipping")
          .optional()
          .openapi({ description: "Defaults to rwd_ + a random suffix." }),
        active: z.boolean().default(true),
      }).openapi("CreateRewardRequest"),
    ),
  },
  responses: {
    201: jsonResponse(AdminRewardSchema, "The new reward"),
    ...errorResponses("unauthorized", "forbidden", "reward_id_taken"),
  },
});

const adminUpdateReward = createRoute({
  method: "patch",
  path: "/v1/admin/rewards/{id}",
  operationId: "updateReward",
  tags: ["Administration"],
  summary: "Change a reward (retire it with active: false)",
  ...signedInAdmin,
  request: {
    params: RewardIdParam,
    body: jsonBody(
      RewardFieldsSchema.partial()
        .refine((changes) => Object.keys(changes).length > 0, "change at least one field")
        .openapi("UpdateRewardRequest"),
    ),
  },
  responses: {
    200: jsonResponse(AdminRewardSchema, "The reward"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

function toAdminReward(reward: Awaited<ReturnType<typeof listAllRewards>>[number]) {
  return { ...reward, createdAt: toIso(reward.createdAt) };
}

export function registerRewardAdminRoutes(app: App) {
  app.openapi(adminListRewards, async (c) => {
    return c.json({ data: (await listAllRewards(c.var.db)).map(toAdminReward) }, 200);
  });

  app.openapi(adminCreateReward, async (c) => {
    const { id, ...fields } = c.req.valid("json");
    try {
      const reward = await createReward(
        c.var.db,
        c.var.auth.userId,
        {
          ...fields,
          id: id ?? `rwd_${newRewardSuffix()}`,
        },
        c.var.now,
      );
      return c.json(toAdminReward(reward), 201);
    } catch (error) {
      if (violatedConstraint(error) === "rewards.id") {
        throw new ApiError("reward_id_taken", `A reward ${id} already exists.`);
      }
      throw error;
    }
  });

  app.openapi(adminUpdateReward, async (c) => {
    const reward = await updateReward(
      c.var.db,
      c.var.auth.userId,
      c.req.valid("param").id,
      c.req.valid("json"),
      c.var.now,
    );
    return c.json(toAdminReward(reward), 200);
  });
}
