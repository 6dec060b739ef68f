import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { MESSAGE_MAX_LENGTH, messageKinds, messagePlaceholders } from "../i18n/kinds";
import { LocaleSchema } from "../i18n/schemas";
import { listMessageTexts, restoreDefaultMessage, rewordMessage } from "./service";

const tags = ["Administration"];

const KindSchema = z.enum(messageKinds as [string, ...string[]]).openapi({
  example: "invite_sms",
  description: Object.entries(messagePlaceholders)
    .map(([kind, names]) => `${kind}: ${names.map((name) => `{${name}}`).join(" ")}`)
    .join("; "),
});

const MessageTextSchema = z
  .object({
    kind: KindSchema,
    locale: LocaleSchema,
    text: z.string(),
    custom: z.boolean().openapi({ description: "Reworded by an admin (false: the default)." }),
  })
  .openapi("MessageText");

const PathSchema = z.object({ kind: KindSchema, locale: LocaleSchema });

const list = createRoute({
  method: "get",
  path: "/v1/admin/messages",
  operationId: "listMessageTexts",
  tags,
  summary: "Every message text (SMS, email, share and preview texts) in every language",
  ...signedInAdmin,
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(MessageTextSchema) }).openapi("MessageTextList"),
      "Each kind in each locale",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const put = createRoute({
  method: "put",
  path: "/v1/admin/messages/{kind}/{locale}",
  operationId: "rewordMessage",
  tags,
  summary: "Reword one text in one language (placeholders checked, no address but {link})",
  ...signedInAdmin,
  request: {
    params: PathSchema,
    body: jsonBody(
      z.object({ text: z.string().max(4 * MESSAGE_MAX_LENGTH) }).openapi("RewordMessageRequest"),
    ),
  },
  responses: {
    200: jsonResponse(MessageTextSchema, "The text now in force"),
    ...errorResponses("validation_error", "unauthorized", "forbidden"),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/admin/messages/{kind}/{locale}",
  operationId: "restoreDefaultMessage",
  tags,
  summary: "Restore the default text of one kind in one language",
  ...signedInAdmin,
  request: { params: PathSchema },
  responses: {
    204: { description: "The default is in force" },
    ...errorResponses("validation_error", "unauthorized", "forbidden"),
  },
});

export function registerMessageAdminRoutes(app: App) {
  app.openapi(list, async (c) => c.json({ data: await listMessageTexts(c.var.db) }, 200));

  app.openapi(put, async (c) => {
    const { kind, locale } = c.req.valid("param");
    const { text } = c.req.valid("json");
    const change = { kind: kind as (typeof messageKinds)[number], locale, text };
    return c.json(
      await rewordMessage(c.var.db, { ...change, actorId: c.var.auth.userId }, c.var.now),
      200,
    );
  });

  app.openapi(remove, async (c) => {
    const { kind, locale } = c.req.valid("param");
    await restoreDefaultMessage(
      c.var.db,
      { kind: kind as (typeof messageKinds)[number], locale, actorId: c.var.auth.userId },
      c.var.now,
    );
    return c.body(null, 204);
  });
}
