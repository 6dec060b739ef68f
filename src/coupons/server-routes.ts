import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { serverCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { idFromOutside, OrderIdSchema } from "../lib/ids";
import { depsOf } from "../platform/deps";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { couponView } from "./rules";
import { CouponSchema } from "./schemas";
import { couponByCode, releaseCoupon, useCoupon } from "./service";

const tags = ["Coupons"];

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
      ...jsonBody(z.object({ orderId: OrderIdSchema.optional() }).openapi("UseCouponRequest")),
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

const releaseRoute = createRoute({
  method: "post",
  path: "/v1/coupons/{code}/release",
  operationId: "releaseCoupon",
  tags,
  summary: "Put a used coupon back: its order was refunded or cancelled (scope coupons)",
  description:
    "The coupon goes back to `issued`, without its order, and can be used again. With " +
    "`orderId`, only if it was used on that order. A coupon that is not `used` (or was used " +
    "on another order) is `409 coupon_not_used`; of racing releases one wins. Sends " +
    "`coupon.released` and is written to the audit log (the actor is the key's creator).",
  ...serverCall("coupons"),
  request: {
    params: CodeParam,
    headers: IdempotencyHeaderSchema,
    body: {
      ...jsonBody(z.object({ orderId: OrderIdSchema.optional() }).openapi("ReleaseCouponRequest")),
      required: false,
    },
  },
  responses: {
    200: {
      ...jsonResponse(
        CouponSchema,
        "The coupon, issued again (a repeated Idempotency-Key replays)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "coupon_not_used",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

/** Keys with scope coupons are always an admin's (only EVENTS_API_KEY has no creator). */
function keyCreator(createdBy: string | null): string {
  if (createdBy === null) throw new Error("A coupons call without a key created by an admin");
  return createdBy;
}

export function registerCouponServerRoutes(app: App) {
  app.openapi(getCoupon, async (c) => {
    return c.json(couponView(await couponByCode(c.var.db, c.req.valid("param").code)), 200);
  });

  app.openapi(useCouponRoute, async (c) => {
    const { code } = c.req.valid("param");
    const orderId = c.req.valid("json")?.orderId ?? null;
    const { value: coupon, replayed } = await useCoupon(
      depsOf(c),
      {
        apiKeyId: c.var.serverKey.id,
        code,
        orderId,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        requestHash: await requestFingerprint({ code, orderId }),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(couponView(coupon), 200);
  });

  app.openapi(releaseRoute, async (c) => {
    const { code } = c.req.valid("param");
    const orderId = c.req.valid("json")?.orderId ?? null;
    const { id: apiKeyId, createdBy } = c.var.serverKey;
    const { value: coupon, replayed } = await releaseCoupon(
      depsOf(c),
      {
        apiKeyId,
        actorId: keyCreator(createdBy),
        code,
        orderId,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        requestHash: await requestFingerprint({ code, orderId }),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(couponView(coupon), 200);
  });
}
