import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { serverErrorResponses } from "../errors";
import { jsonResponse } from "../http/openapi";

const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  security: [],
  tags: ["Operations"],
  summary: "Liveness; touches no storage",
  responses: {
    200: jsonResponse(z.object({ status: z.literal("ok") }).openapi("Health"), "Alive"),
    ...serverErrorResponses(),
  },
});

export function registerOpsRoutes(app: App) {
  app.openapi(health, (c) => c.json({ status: "ok" as const }, 200));
}
