import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { couponView } from "../coupons/rules";
import { CouponSchema } from "../coupons/schemas";
import { errorResponses } from "../errors";
import { serverKeyGuards, serverWriteCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { idFromOutside, OrderIdSchema } from "../lib/ids";
import { depsOf } from "../platform/deps";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { SpendSchema, toSpend } from "../wallet/schemas";
import { checkoutOrder } from "./service";

const CheckoutRequestSchema = z
  .object({
    orderId: OrderIdSchema,
    couponCode: idFromOutside(z.string().trim().min(1).max(64))
      .optional()
      .openapi({ example: "K7QM-2XRP-9HTB-C4WD" }),
    points: z.number().int().min(1).max(100_000_000).optional(),
    description: z.string().trim().min(1).max(200).optional(),
  })
  .refine((body) => body.couponCode !== undefined || body.points !== undefined, {
    message: "give couponCode, points or both",
    path: ["couponCode"],
  })
  .openapi("CheckoutRequest");

const checkoutRoute = createRoute({
  method: "post",
  path: "/v1/users/{id}/checkout",
  operationId: "checkoutOrder",
  tags: ["Your back end"],
  summary:
    "Use a coupon and spend points on one order, both or neither (scopes coupons and wallet)",
  description:
    "One D1 batch: the coupon is used on the order and the points spent on it, or nothing " +
    "changes (a used or void coupon, too few points: the whole call is refused with that " +
    "error and the coupon stays `issued`). One checkout per order of the user: of parallel " +
    "calls for one order, one succeeds.",
  ...serverWriteCall("coupons", "wallet"),
  request: {
    params: IdParamSchema,
    headers: IdempotencyHeaderSchema,
    body: jsonBody(CheckoutRequestSchema),
  },
  responses: {
    201: {
      ...jsonResponse(
        z
          .object({
            orderId: z.string(),
            coupon: CouponSchema.nullable(),
            spend: SpendSchema.nullable(),
            balance: z.number().int(),
          })
          .openapi("CheckoutResult"),
        "Checked out (a repeated Idempotency-Key replays the first answer)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "coupon_already_used",
      "coupon_void",
      "order_already_spent",
      "insufficient_points",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

export function registerOrderCheckoutRoutes(app: App) {
  app.openapi(checkoutRoute, async (c) => {
    const userId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const { value, replayed } = await checkoutOrder(
      depsOf(c),
      {
        ...body,
        userId,
        apiKeyId: c.var.serverKey.id,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        requestHash: await requestFingerprint({ userId, ...body }),
        guards: serverKeyGuards(c),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(
      {
        orderId: value.orderId,
        coupon: value.coupon && couponView(value.coupon),
        spend: value.spend && toSpend(value.spend),
        balance: value.balance,
      },
      201,
    );
  });
}
