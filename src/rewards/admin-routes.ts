import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { violatedConstraint } from "../db/client";
import { ApiError, errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { newRewardSuffix } from "../lib/ids";
import { toIso } from "../lib/time";
import { createReward, listAllRewards, updateReward } from "./admin";

import { AdminRewardSchema, RewardFieldsSchema } from "./schemas";

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
