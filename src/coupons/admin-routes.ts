import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { couponStatuses } from "../db/schema";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { AdminReasonSchema } from "../lib/names";
import { toIso } from "../lib/time";
import { depsOf } from "../platform/deps";
import { RedemptionSchema } from "../rewards/schemas";
import { voidRedemption } from "./service";

const voidRoute = createRoute({
  method: "post",
  path: "/v1/admin/redemptions/{id}/void",
  operationId: "voidRedemption",
  tags: ["Administration"],
  summary: "Void an unused coupon: its points go back to the user",
  ...signedInAdmin,
  request: {
    params: IdParamSchema,
    body: jsonBody(z.object({ reason: AdminReasonSchema }).openapi("VoidRedemptionRequest")),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          redemption: RedemptionSchema.extend({ couponStatus: z.enum(couponStatuses) }),
          balance: z.number().int(),
        })
        .openapi("VoidedRedemption"),
      "Voided; the balance after the points came back",
    ),
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "coupon_already_used",
      "coupon_void",
    ),
  },
});

export function registerCouponAdminRoutes(app: App) {
  app.openapi(voidRoute, async (c) => {
    const { coupon, balance } = await voidRedemption(
      depsOf(c),
      c.var.auth.userId,
      {
        redemptionId: c.req.valid("param").id,
        reason: c.req.valid("json").reason,
      },
      c.var.now,
    );
    const redemption = {
      id: coupon.redemptionId,
      rewardId: coupon.rewardId,
      rewardName: coupon.rewardName,
      cost: coupon.cost,
      couponCode: coupon.code,
      discount: coupon.discount,
      couponStatus: coupon.status,
      createdAt: toIso(coupon.issuedAt),
    };
    return c.json({ redemption, balance }, 200);
  });
}
