import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { serverCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { idFromOutside } from "../lib/ids";
import { depsOf } from "../platform/deps";
import { REFUND_EVENT } from "../program/schemas";
import { recordEvent } from "./service";

const EventIdSchema = idFromOutside(z.string().min(1).max(128)).openapi({
  description:
    "Your id of the event: a replay with the same body is ignored, a different body is refused.",
});

const EventSchema = z
  .object({
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,31}$/)
      .openapi({
        example: "purchase",
        description: "refund, or a type the program lists in eventTypes (or qualifies by)",
      }),
    userId: z.string().min(1).max(64).optional(),
    phone: z.string().min(3).max(32).optional(),
    userExternalId: idFromOutside(z.string().trim().min(1).max(128)).optional().openapi({
      description: "The participant by your own user id (their externalId).",
    }),
    eventId: EventIdSchema.optional(),
    externalId: EventIdSchema.optional().openapi({
      description: "The older name of eventId, still accepted: give one of the two.",
    }),
    amount: z.number().int().min(0).max(1_000_000_000).optional(),
    refundOf: idFromOutside(z.string().min(1).max(128)).optional().openapi({
      description:
        "For a refund: the externalId of the event it refunds. It reverses the referral only if that event qualified it.",
    }),
  })
  .refine(
    (event) =>
      [event.userId, event.phone, event.userExternalId].filter((id) => id !== undefined).length ===
      1,
    { message: "give exactly one of userId, phone and userExternalId", path: ["userId"] },
  )
  .refine((event) => (event.eventId === undefined) !== (event.externalId === undefined), {
    message: "give exactly one of eventId and externalId",
    path: ["eventId"],
  })
  .refine((event) => event.refundOf === undefined || event.type === REFUND_EVENT, {
    message: "only a refund names the event it refunds",
    path: ["refundOf"],
  })
  .openapi("QualifyingEvent");

const postEvent = createRoute({
  method: "post",
  path: "/v1/events",
  operationId: "reportEvent",
  tags: ["Qualifying events"],
  summary: "Report a qualifying event (server to server, with the events API key)",
  ...serverCall("events"),
  // A server key with scope `events`, or the EVENTS_API_KEY secret.
  security: [{ serverKey: [] }, { eventsKey: [] }] as Record<string, string[]>[],
  request: { body: jsonBody(EventSchema) },
  responses: {
    202: jsonResponse(
      z
        .object({
          accepted: z.literal(true),
          qualified: z
            .array(z.string())
            .openapi({ description: "Referrals this event qualified." }),
          reversed: z.array(z.string()).openapi({ description: "Referrals this refund reversed." }),
        })
        .openapi("EventAccepted"),
      "Recorded (a replay answers the same)",
    ),
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "unknown_event_type",
      "idempotency_key_reused",
    ),
  },
});

export function registerEventRoutes(app: App) {
  app.openapi(postEvent, async (c) => {
    const { eventId, externalId, ...event } = c.req.valid("json");
    // One name inside: a replay is the same event whichever of the two names it uses.
    const input = { ...event, externalId: eventId ?? externalId ?? "" };
    const outcome = await recordEvent(depsOf(c), input, c.var.now);
    return c.json({ accepted: true as const, ...outcome }, 202);
  });
}
