import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedIn, signedInOwner } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { clientIp } from "../http/request";
import { depsOf } from "../platform/deps";
import { eraseMe } from "./erase";
import { exportMyData } from "./export";

import { ExportSchema } from "./schemas";

const tags = ["Your data"];

const exportRoute = createRoute({
  method: "get",
  path: "/v1/me/export",
  operationId: "exportMyData",
  tags,
  summary: "Everything held about me, as one JSON document",
  ...signedIn,
  responses: {
    200: jsonResponse(ExportSchema, "My data"),
    ...errorResponses("unauthorized"),
  },
});

const eraseMeRoute = createRoute({
  method: "delete",
  path: "/v1/me",
  operationId: "eraseMe",
  tags,
  summary: "Erase me: my personal data goes, the books stay (anonymized)",
  description: "Not with an embed token (403).",
  ...signedInOwner,
  request: {
    body: jsonBody(z.object({ password: z.string().min(1).max(128) }).openapi("EraseMeRequest")),
  },
  responses: {
    204: { description: "Erased" },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "invalid_credentials",
      "not_found",
      "rate_limited",
    ),
  },
});

export function registerDataRoutes(app: App) {
  app.openapi(exportRoute, async (c) =>
    c.json(await exportMyData(c.var.db, c.var.auth.userId, c.var.now), 200),
  );
  app.openapi(eraseMeRoute, async (c) => {
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    await eraseMe(depsOf(c), c.var.auth.userId, { ...c.req.valid("json"), ip }, c.var.now);
    return c.body(null, 204);
  });
}
