import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { toIso } from "../lib/time";
import { type ProgramRules, ProgramRulesSchema } from "./schemas";
import { simulateProgram } from "./simulate";
import { currentProgram, listProgramVersions, publishProgram } from "./store";

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

const listVersions = createRoute({
  method: "get",
  path: "/v1/admin/program/versions",
  operationId: "listProgramVersions",
  tags,
  summary: "Every published version of the rules, newest first (publish one again to restore it)",
  ...signedInAdmin,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(ProgramSchema).openapi("ProgramVersionPage"),
      "A page of versions",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const OutcomeSchema = z
  .object({
    qualified: z.number().int(),
    held: z.number().int(),
    referrerPoints: z.number().int(),
    refereePoints: z.number().int(),
    bonusPoints: z.number().int().openapi({ description: "Milestone bonuses" }),
    totalPoints: z.number().int(),
  })
  .openapi("SimulationOutcome");

const simulate = createRoute({
  method: "post",
  path: "/v1/admin/program/simulations",
  operationId: "simulateProgram",
  tags,
  summary: "Replay the last days' referrals through the rules in force and through a draft",
  description:
    "Nothing is written. Held referrals stay held, rejected ones pay nothing, refunded ones claim their place and keep nothing; campaigns are not program rules and are not replayed. At most the newest 50,000 referrals of the window are replayed.",
  ...signedInAdmin,
  request: {
    body: jsonBody(
      z
        .object({
          rules: ProgramRulesSchema,
          days: z.number().int().min(1).max(365).default(30),
        })
        .openapi("SimulationRequest"),
    ),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          days: z.number().int(),
          referrals: z.number().int().openapi({ description: "Referrals replayed" }),
          current: OutcomeSchema,
          draft: OutcomeSchema,
        })
        .openapi("Simulation"),
      "The outcome under each set of rules",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const toProgramView = (program: { version: number; rules: ProgramRules; createdAt: number }) => ({
  ...program,
  createdAt: toIso(program.createdAt),
});

export function registerProgramRoutes(app: App) {
  app.openapi(getProgram, async (c) => {
    return c.json(toProgramView(await currentProgram(c.var.db)), 200);
  });

  app.openapi(putProgram, async (c) => {
    const program = await publishProgram(
      c.var.db,
      c.var.auth.userId,
      c.req.valid("json").rules,
      c.var.now,
    );
    return c.json(toProgramView(program), 200);
  });

  app.openapi(simulate, async (c) => {
    const { rules, days } = c.req.valid("json");
    return c.json(await simulateProgram(c.var.db, rules, days, c.var.now), 200);
  });

  app.openapi(listVersions, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeVersion = cursorPosition(cursor, "number");
    const page = toPage(
      await listProgramVersions(c.var.db, { limit, beforeVersion }),
      limit,
      (row) => row.version,
    );
    return c.json({ data: page.rows.map(toProgramView), nextCursor: page.nextCursor }, 200);
  });
}
