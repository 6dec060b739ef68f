import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { couponStatuses, rewardKinds } from "../db/schema";
import { errorResponses } from "../errors";
import { serverCall, signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { idFromOutside } from "../lib/ids";
import { AdminReasonSchema } from "../lib/names";
import { toIso } from "../lib/time";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { RedemptionSchema } from "../rewards/routes";
import { couponView } from "./rules";
import { couponByCode, useCoupon, voidRedemption } from "./service";

const tags = ["Coupons"];

const CouponSchema = z
  .object({
    code: z.string().openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
    status: z.enum(couponStatuses),
    reward: z.object({ id: z.string(), name: z.string(), kind: z.enum(rewardKinds) }),
    userId: z.string(),
    redemptionId: z.string(),
    issuedAt: z.string().openapi({ format: "date-time" }),
    usedAt: z.string().nullable().openapi({ format: "date-time" }),
    orderId: z.string().nullable(),
  })
  .openapi("Coupon");

// Any text: a code that cannot be a coupon is a 404 like an unknown one, not a 400.
const CodeParam = z.object({
  code: idFromOutside(z.string()).openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
});

const getCoupon = createRoute({
  method: "get",
  path: "/v1/coupons/{code}",
  operationId: "checkCoupon",
  tags,
  summary: "Check a coupon at checkout (server key with scope coupons)",
  ...serverCall("coupons"),
  request: { params: CodeParam },
  responses: {
    200: jsonResponse(CouponSchema, "The coupon"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const useCouponRoute = createRoute({
  method: "post",
  path: "/v1/coupons/{code}/use",
  operationId: "useCoupon",
  tags,
  summary: "Use a coupon, once (server key with scope coupons)",
  ...serverCall("coupons"),
  request: {
    params: CodeParam,
    headers: IdempotencyHeaderSchema,
    body: {
      ...jsonBody(
        z
          .object({ orderId: idFromOutside(z.string().trim().min(1).max(128)).optional() })
          .openapi("UseCouponRequest"),
      ),
      required: false,
    },
  },
  responses: {
    200: {
      ...jsonResponse(CouponSchema, "The coupon, used (a repeated Idempotency-Key replays)"),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "coupon_already_used",
      "coupon_void",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

const voidRoute = createRoute({
  method: "post",
  path: "/v1/admin/redemptions/{id}/void",
  operationId: "voidRedemption",
  tags: ["Administration"],
  summary: "Void an unused coupon: its points go back to the user",
  ...signedInAdmin,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
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

export function registerCouponRoutes(app: App) {
  app.openapi(getCoupon, async (c) => {
    return c.json(couponView(await couponByCode(c.var.db, c.req.valid("param").code)), 200);
  });

  app.openapi(useCouponRoute, async (c) => {
    const { code } = c.req.valid("param");
    const orderId = c.req.valid("json")?.orderId ?? null;
    const { value: coupon, replayed } = await useCoupon(c.var.db, {
      apiKeyId: c.var.serverKey.id,
      code,
      orderId,
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      requestHash: await requestFingerprint({ code, orderId }),
    });
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(couponView(coupon), 200);
  });

  app.openapi(voidRoute, async (c) => {
    const { coupon, balance } = await voidRedemption(c.var.db, c.var.auth.userId, {
      redemptionId: c.req.valid("param").id,
      reason: c.req.valid("json").reason,
    });
    const redemption = {
      id: coupon.redemptionId,
      rewardId: coupon.rewardId,
      rewardName: coupon.rewardName,
      cost: coupon.cost,
      couponCode: coupon.code,
      couponStatus: coupon.status,
      createdAt: toIso(coupon.issuedAt),
    };
    return c.json({ redemption, balance }, 200);
  });
}
