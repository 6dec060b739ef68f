import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { App } from "../app";
import { webhookDeliveryStatuses } from "../db/schema";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import type { AppEnv } from "../http/context";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { IdParamSchema } from "../http/schemas";
import { depsOf } from "../platform/deps";
import { FAILURES_TO_DEACTIVATE, webhookEventTypes } from "./rules";
import {
  changeEndpoint,
  createEndpoint,
  deliverWebhook,
  endpointDeliveries,
  removeEndpoint,
  retryDelivery,
  rotateSecret,
  sendTestEvent,
  toDeliveryView,
  toEndpointView,
} from "./service";
import { listEndpoints } from "./store";

const tags = ["Webhooks"];

const EventsSchema = z
  .array(z.enum([...webhookEventTypes, "*"]))
  .min(1)
  .max(webhookEventTypes.length + 1)
  .openapi({ example: ["referral.qualified", "reward.redeemed"], description: '["*"] for all.' });

const UrlSchema = z
  .string()
  .trim()
  .max(2000)
  .openapi({ example: "https://example.com/webhooks/referrals" });

const WebhookSchema = z
  .object({
    id: z.string().openapi({ example: "whk_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    consecutiveFailures: z
      .number()
      .int()
      .openapi({
        description: `Deliveries that failed for good since the last one delivered; at ${FAILURES_TO_DEACTIVATE} the endpoint is switched off.`,
      }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Webhook");

const SecretSchema = z
  .string()
  .openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", description: "Shown once." });

const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().openapi({ example: "evt_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    eventType: z.string().openapi({ example: "referral.qualified" }),
    status: z.enum(webhookDeliveryStatuses),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable().openapi({ format: "date-time" }),
    deliveredAt: z.string().nullable().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("WebhookDelivery");

const create = createRoute({
  method: "post",
  path: "/v1/admin/webhooks",
  operationId: "createWebhook",
  tags,
  summary: "Subscribe an endpoint to events",
  ...signedInAdmin,
  request: {
    body: jsonBody(
      z
        .object({
          url: UrlSchema,
          events: EventsSchema,
          description: z.string().trim().max(500).optional(),
        })
        .openapi("CreateWebhookRequest"),
    ),
  },
  responses: {
    201: jsonResponse(
      z.object({ webhook: WebhookSchema, secret: SecretSchema }).openapi("WebhookCreated"),
      "Subscribed; keep the secret, it is not shown again",
    ),
    ...errorResponses("validation_error", "unauthorized", "forbidden"),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/admin/webhooks",
  operationId: "listWebhooks",
  tags,
  summary: "Subscribed endpoints, newest first (without their secrets)",
  ...signedInAdmin,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageSchema(WebhookSchema).openapi("WebhookPage"), "A page of endpoints"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const update = createRoute({
  method: "patch",
  path: "/v1/admin/webhooks/{id}",
  operationId: "updateWebhook",
  tags,
  summary: "Change an endpoint's URL, events, description, or switch it on or off",
  ...signedInAdmin,
  request: {
    params: IdParamSchema,
    body: jsonBody(
      z
        .object({
          url: UrlSchema.optional(),
          events: EventsSchema.optional(),
          active: z.boolean().optional(),
          description: z.string().trim().max(500).optional(),
        })
        .openapi("UpdateWebhookRequest"),
    ),
  },
  responses: {
    200: jsonResponse(WebhookSchema, "The endpoint"),
    ...errorResponses("validation_error", "unauthorized", "forbidden", "not_found"),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/admin/webhooks/{id}",
  operationId: "deleteWebhook",
  tags,
  summary: "Unsubscribe an endpoint (its pending deliveries go with it)",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const rotate = createRoute({
  method: "post",
  path: "/v1/admin/webhooks/{id}/rotate-secret",
  operationId: "rotateWebhookSecret",
  tags,
  summary: "Replace the signing secret; deliveries from now on use the new one",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    200: jsonResponse(z.object({ secret: SecretSchema }).openapi("WebhookSecret"), "New secret"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const test = createRoute({
  method: "post",
  path: "/v1/admin/webhooks/{id}/test",
  operationId: "sendTestWebhook",
  tags,
  summary: "Send a webhook.test event to this endpoint",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    202: { description: "Queued; sent after the response" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const deliveries = createRoute({
  method: "get",
  path: "/v1/admin/webhooks/{id}/deliveries",
  operationId: "listWebhookDeliveries",
  tags,
  summary: "An endpoint's deliveries, newest first",
  ...signedInAdmin,
  request: { params: IdParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(DeliverySchema).openapi("WebhookDeliveryPage"),
      "A page of deliveries",
    ),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const retry = createRoute({
  method: "post",
  path: "/v1/admin/webhooks/{id}/deliveries/{deliveryId}/retry",
  operationId: "retryWebhookDelivery",
  tags,
  summary: "Send a delivery again now (failed or not)",
  description:
    "One attempt, after the response. `attempts` never passes the schedule's limit, and a delivery counts toward `consecutiveFailures` once, when its schedule runs out, however often it is retried.",
  ...signedInAdmin,
  request: { params: IdParamSchema.extend({ deliveryId: z.string().min(1).max(64) }) },
  responses: {
    202: { description: "Queued; sent after the response" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

function actor(c: Context<AppEnv>) {
  return c.var.auth.userId;
}

export function registerWebhookRoutes(app: App) {
  app.openapi(create, async (c) => {
    const created = await createEndpoint(depsOf(c), actor(c), c.req.valid("json"), c.var.now);
    return c.json(created, 201);
  });

  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const page = toPage(await listEndpoints(c.var.db, { limit, beforeId }), limit, (row) => row.id);
    return c.json({ data: page.rows.map(toEndpointView), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const changes = c.req.valid("json");
    return c.json(await changeEndpoint(depsOf(c), actor(c), id, changes, c.var.now), 200);
  });

  app.openapi(remove, async (c) => {
    await removeEndpoint(c.var.db, actor(c), c.req.valid("param").id, c.var.now);
    return c.body(null, 204);
  });

  app.openapi(rotate, async (c) => {
    return c.json(await rotateSecret(c.var.db, actor(c), c.req.valid("param").id, c.var.now), 200);
  });

  app.openapi(test, async (c) => {
    await sendTestEvent(depsOf(c), actor(c), c.req.valid("param").id, c.var.now);
    return c.body(null, 202);
  });

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await endpointDeliveries(c.var.db, id, { limit, beforeId });
    const page = toPage(rows, limit, (row) => row.id);
    return c.json({ data: page.rows.map(toDeliveryView), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(retry, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    const { now } = c.var;
    await retryDelivery(c.var.db, actor(c), id, deliveryId, now);
    c.executionCtx.waitUntil(deliverWebhook(depsOf(c), deliveryId, now));
    return c.body(null, 202);
  });
}
