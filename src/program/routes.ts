import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { toIso } from "../lib/time";
import { ProgramRulesSchema } from "./rules";
import { currentProgram, publishProgram } from "./store";

const tags = ["Administration"];

const ProgramSchema = z
  .object({
    version: z.number().int(),
    rules: ProgramRulesSchema,
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Program");

const getProgram = createRoute({
  method: "get",
  path: "/v1/admin/program",
  operationId: "getProgram",
  tags,
  summary: "The reward rules in force",
  ...signedInAdmin,
  responses: {
    200: jsonResponse(ProgramSchema, "The current program version"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const putProgram = createRoute({
  method: "put",
  path: "/v1/admin/program",
  operationId: "publishProgram",
  tags,
  summary: "Publish new reward rules (a new version; applies to referrals created afterwards)",
  ...signedInAdmin,
  request: { body: jsonBody(z.object({ rules: ProgramRulesSchema }).openapi("PutProgramRequest")) },
  responses: {
    200: jsonResponse(ProgramSchema, "The new version"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

export function registerProgramRoutes(app: App) {
  app.openapi(getProgram, async (c) => {
    const program = await currentProgram(c.var.db);
    return c.json({ ...program, createdAt: toIso(program.createdAt) }, 200);
  });

  app.openapi(putProgram, async (c) => {
    const program = await publishProgram(c.var.db, c.var.auth.userId, c.req.valid("json").rules);
    return c.json({ ...program, createdAt: toIso(program.createdAt) }, 200);
  });
}
