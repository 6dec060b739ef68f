import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { serverCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { idFromOutside } from "../lib/ids";
import { toIso } from "../lib/time";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { type PointSpend, refundSpend, spendPointsAtCheckout } from "./spends";

const tags = ["Your back end"];
const UserIdParam = z.object({ id: z.string().min(1).max(64) });

const SpendSchema = z
  .object({
    id: z.string().openapi({ example: "spd_01m8c1c345vamqbqqn5j5hny" }),
    userId: z.string(),
    points: z.number().int(),
    orderId: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PointSpend");

const spendRoute = createRoute({
  method: "post",
  path: "/v1/users/{id}/wallet/spend",
  operationId: "spendPoints",
  tags,
  summary: "Pay for an order with the user's points (server key with scope wallet)",
  description:
    "A `redemption` entry that spends the earliest-expiring points first. One spend per " +
    "`orderId` of the user (another user's order may have the same id); never below zero, however many spends race.",
  ...serverCall("wallet"),
  request: {
    params: UserIdParam,
    headers: IdempotencyHeaderSchema,
    body: jsonBody(
      z
        .object({
          points: z.number().int().min(1).max(100_000_000),
          orderId: idFromOutside(z.string().trim().min(1).max(128)).openapi({
            example: "order_5512",
          }),
          description: z.string().trim().min(1).max(200).optional(),
        })
        .openapi("SpendRequest"),
    ),
  },
  responses: {
    201: {
      ...jsonResponse(
        z.object({ spend: SpendSchema, balance: z.number().int() }).openapi("SpendResult"),
        "Spent (a repeated Idempotency-Key replays the first answer)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "insufficient_points",
      "order_already_spent",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

const refundRoute = createRoute({
  method: "post",
  path: "/v1/users/{id}/wallet/spend/{spendId}/refund",
  operationId: "refundSpend",
  tags,
  summary: "Give a spend's points back, with their original expiry (server key, scope wallet)",
  ...serverCall("wallet"),
  request: { params: UserIdParam.extend({ spendId: z.string().min(1).max(64) }) },
  responses: {
    200: jsonResponse(
      z.object({ balance: z.number().int() }).openapi("SpendRefund"),
      "Refunded; the balance after",
    ),
    ...errorResponses("unauthorized", "forbidden", "not_found", "already_refunded"),
  },
});

function toSpend(spend: PointSpend) {
  return { ...spend, createdAt: toIso(spend.createdAt) };
}

export function registerCheckoutRoutes(app: App) {
  app.openapi(spendRoute, async (c) => {
    const userId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const { value, replayed } = await spendPointsAtCheckout(c.var.db, {
      ...body,
      userId,
      apiKeyId: c.var.serverKey.id,
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      requestHash: await requestFingerprint({ userId, ...body }),
    });
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json({ spend: toSpend(value.spend), balance: value.balance }, 201);
  });

  app.openapi(refundRoute, async (c) => {
    const { id, spendId } = c.req.valid("param");
    return c.json(await refundSpend(c.var.db, { userId: id, spendId }), 200);
  });
}
