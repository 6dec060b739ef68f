import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { depsOf } from "../platform/deps";
import { LinkSettingsSchema } from "./schemas";
import { saveLinkSettings, storedLinkSettings } from "./settings";

const tags = ["Administration"];

const getSettings = createRoute({
  method: "get",
  path: "/v1/admin/link-settings",
  operationId: "getLinkSettings",
  tags,
  summary: "How invite links reach the app: Android and iOS apps, the preview image",
  ...signedInAdmin,
  responses: {
    200: jsonResponse(LinkSettingsSchema, "The settings (null: not set)"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const putSettings = createRoute({
  method: "put",
  path: "/v1/admin/link-settings",
  operationId: "putLinkSettings",
  tags,
  summary: "Replace the link settings (audited); invite links follow within a minute",
  ...signedInAdmin,
  request: { body: jsonBody(LinkSettingsSchema) },
  responses: {
    200: jsonResponse(LinkSettingsSchema, "The settings now in force"),
    ...errorResponses("validation_error", "unauthorized", "forbidden"),
  },
});

export function registerLinkAdminRoutes(app: App) {
  app.openapi(getSettings, async (c) => c.json(await storedLinkSettings(c.var.db), 200));

  app.openapi(putSettings, async (c) => {
    const settings = c.req.valid("json");
    const change = { settings, actorId: c.var.auth.userId };
    return c.json(await saveLinkSettings(depsOf(c), change, c.var.now), 200);
  });
}
