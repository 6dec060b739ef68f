import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { serverCall } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { requestedLocale } from "../i18n/resolve";
import { LocaleSchema } from "../i18n/schemas";
import { idFromOutside } from "../lib/ids";
import { NameSchema } from "../lib/names";
import { toIso } from "../lib/time";
import { depsOf } from "../platform/deps";
import { UnlockListSchema } from "../rewards/schemas";
import { unlocksNow } from "../rewards/unlocks";
import { SignupSourceSchema } from "../signup/schemas";
import { PhoneSchema, toUser, UserSchema } from "../users/schemas";
import {
  createParticipant,
  findParticipants,
  issueEmbedToken,
  participantById,
  updateParticipant,
} from "./participants";

const tags = ["Your back end"];
const ExternalIdSchema = idFromOutside(z.string().trim().min(1).max(128)).openapi({
  example: "cust_8812",
});

const createUser = createRoute({
  method: "post",
  path: "/v1/users",
  operationId: "createParticipant",
  tags,
  summary: "Create a participant from your back end (idempotent by externalId)",
  ...serverCall("users"),
  request: {
    body: jsonBody(
      z
        .object({
          externalId: ExternalIdSchema,
          name: NameSchema,
          phone: PhoneSchema.optional(),
          referralCode: z.string().trim().min(1).max(32).optional(),
          source: SignupSourceSchema.optional(),
          deviceId: z.string().min(1).max(200).optional(),
          ip: z.string().min(2).max(64).optional().openapi({
            description: "The participant's address as your back end saw it (fraud checks).",
          }),
          locale: LocaleSchema.optional().openapi({
            description:
              "The participant's language; absent: the request's Accept-Language, else the program's defaultLocale.",
          }),
        })
        .openapi("CreateParticipantRequest"),
    ),
  },
  responses: {
    201: jsonResponse(UserSchema, "Created"),
    200: jsonResponse(UserSchema, "A user with this externalId exists already: that user"),
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "phone_taken",
      "invalid_referral_code",
      "referral_code_expired",
      "unsupported_phone",
      "blocked",
    ),
  },
});

const findUsers = createRoute({
  method: "get",
  path: "/v1/users",
  operationId: "findParticipant",
  tags,
  summary: "Find a participant by phone or externalId (zero or one)",
  ...serverCall("users"),
  request: {
    query: z
      .object({ phone: PhoneSchema.optional(), externalId: ExternalIdSchema.optional() })
      .refine((query) => (query.phone === undefined) !== (query.externalId === undefined), {
        message: "give exactly one of phone and externalId",
        path: ["phone"],
      }),
  },
  responses: {
    200: jsonResponse(z.object({ data: z.array(UserSchema) }).openapi("UserList"), "Matches"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const getUser = createRoute({
  method: "get",
  path: "/v1/users/{id}",
  operationId: "getParticipant",
  tags,
  summary: "A participant",
  ...serverCall("users"),
  request: { params: IdParamSchema },
  responses: {
    200: jsonResponse(UserSchema, "The user"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const patchUser = createRoute({
  method: "patch",
  path: "/v1/users/{id}",
  operationId: "updateParticipant",
  tags,
  summary: "Give a participant your id (externalId), a new name or a language later",
  ...serverCall("users"),
  request: {
    params: IdParamSchema,
    body: jsonBody(
      z
        .object({
          externalId: ExternalIdSchema.optional(),
          name: NameSchema.optional(),
          locale: LocaleSchema.optional(),
        })
        .refine((body) => Object.values(body).some((value) => value !== undefined), {
          message: "give at least one of externalId, name and locale",
          path: ["externalId"],
        })
        .openapi("UpdateParticipantRequest"),
    ),
  },
  responses: {
    200: jsonResponse(UserSchema, "The user"),
    ...errorResponses("unauthorized", "forbidden", "not_found", "external_id_taken"),
  },
});

const getUnlocks = createRoute({
  method: "get",
  path: "/v1/users/{id}/unlocks",
  operationId: "listParticipantUnlocks",
  tags,
  summary: "What a participant is entitled to now",
  ...serverCall("users"),
  request: { params: IdParamSchema },
  responses: {
    200: jsonResponse(UnlockListSchema, "Their unlocks"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const createEmbedToken = createRoute({
  method: "post",
  path: "/v1/embed-tokens",
  operationId: "createEmbedToken",
  tags,
  summary: "An access token (at most one hour, never admin) for an embedded portal",
  description:
    "It reads, shares, invites, redeems and renames; it cannot change the password, erase " +
    "the account or end the user's other sessions (403 forbidden; its logout ends only " +
    "itself). None is issued for an admin (403 forbidden).",
  ...serverCall("embed"),
  request: {
    body: jsonBody(z.object({ userId: z.string().min(1).max(64) }).openapi("EmbedTokenRequest")),
  },
  responses: {
    201: jsonResponse(
      z
        .object({
          token: z.string().openapi({ description: "Send as Authorization: Bearer <token>." }),
          expiresAt: z.string().openapi({ format: "date-time" }),
        })
        .openapi("EmbedToken"),
      "The token",
    ),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

export function registerUserServerRoutes(app: App) {
  app.openapi(createUser, async (c) => {
    const body = c.req.valid("json");
    const { user, created } = await createParticipant(
      depsOf(c),
      { ...body, locale: requestedLocale(body.locale, c.req.header("Accept-Language")) },
      c.var.now,
    );
    return c.json(toUser(user, c.var.config), created ? 201 : 200);
  });

  app.openapi(findUsers, async (c) => {
    const users = await findParticipants(depsOf(c), c.req.valid("query"));
    return c.json({ data: users.map((user) => toUser(user, c.var.config)) }, 200);
  });

  app.openapi(getUser, async (c) => {
    const user = await participantById(c.var.db, c.req.valid("param").id);
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(patchUser, async (c) => {
    const user = await updateParticipant(c.var.db, c.req.valid("param").id, c.req.valid("json"));
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(getUnlocks, async (c) => {
    const user = await participantById(c.var.db, c.req.valid("param").id);
    return c.json(await unlocksNow(c.var.db, user.id, c.var.now), 200);
  });

  app.openapi(createEmbedToken, async (c) => {
    const { token, expiresAt } = await issueEmbedToken(
      depsOf(c),
      c.req.valid("json").userId,
      c.var.now,
    );
    return c.json({ token, expiresAt: toIso(expiresAt) }, 201);
  });
}
