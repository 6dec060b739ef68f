import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { serverKeyGuards, serverWriteCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { OrderIdSchema } from "../lib/ids";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { SpendSchema, toSpend } from "./schemas";
import { refundSpendAtCheckout, spendPointsAtCheckout } from "./spends";

const tags = ["Your back end"];

const spendRoute = createRoute({
  method: "post",
  path: "/v1/users/{id}/wallet/spend",
  operationId: "spendPoints",
  tags,
  summary: "Pay for an order with the user's points (server key with scope wallet)",
  description:
    "A `redemption` entry that spends the earliest-expiring points first. One spend per " +
    "`orderId` of the user (another user's order may have the same id); never below zero, however many spends race.",
  ...serverWriteCall("wallet"),
  request: {
    params: IdParamSchema,
    headers: IdempotencyHeaderSchema,
    body: jsonBody(
      z
        .object({
          points: z.number().int().min(1).max(100_000_000),
          orderId: OrderIdSchema,
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
  description:
    "All that remains of the spend, or `points` of it: partial refunds add up to the spend at " +
    "most, however many run at once. The points come back as `reversal` entries with the " +
    "expiries they had, latest-expiring first (what stays spent is the soonest-expiring). " +
    "A spend refunded whole, or a refund of more than remains, is `409 already_refunded`.",
  ...serverWriteCall("wallet"),
  request: {
    params: IdParamSchema.extend({ spendId: z.string().min(1).max(64) }),
    // Optional, so that calls made before partial refunds keep working; a partial refund
    // retried without one gives its points back again (within the spend).
    headers: IdempotencyHeaderSchema.partial(),
    body: {
      ...jsonBody(
        z
          .object({
            points: z.number().int().min(1).max(100_000_000).optional().openapi({
              description: "How many points to give back; all that remains when left out.",
            }),
          })
          .openapi("SpendRefundRequest"),
      ),
      required: false,
    },
  },
  responses: {
    200: {
      ...jsonResponse(
        z
          .object({
            balance: z.number().int(),
            refundedPoints: z.number().int().openapi({ description: "Given back by this refund." }),
            remainingPoints: z
              .number()
              .int()
              .openapi({ description: "What is left of the spend to refund." }),
          })
          .openapi("SpendRefund"),
        "Refunded; the balance after (a repeated Idempotency-Key replays)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "already_refunded",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

export function registerCheckoutRoutes(app: App) {
  app.openapi(spendRoute, async (c) => {
    const userId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const { value, replayed } = await spendPointsAtCheckout(
      c.var.db,
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
    return c.json({ spend: toSpend(value.spend), balance: value.balance }, 201);
  });

  app.openapi(refundRoute, async (c) => {
    const { id, spendId } = c.req.valid("param");
    const points = c.req.valid("json")?.points;
    const key = c.req.valid("header")["idempotency-key"];
    const { value, replayed } = await refundSpendAtCheckout(
      c.var.db,
      {
        userId: id,
        spendId,
        points,
        idempotency:
          key === undefined
            ? undefined
            : {
                apiKeyId: c.var.serverKey.id,
                key,
                requestHash: await requestFingerprint({ userId: id, spendId, points }),
              },
        guards: serverKeyGuards(c),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(value, 200);
  });
}
