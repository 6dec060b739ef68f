import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { toIso } from "../lib/time";
import { auditTargetTypes } from "../platform/audit";
import { listAuditEntries } from "./store";

const tags = ["Administration"];

const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ example: "aud_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    actorId: z.string().openapi({ example: "usr_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    action: z.string().openapi({ example: "user.adjust" }),
    targetType: z.string().openapi({ example: "user" }),
    targetId: z.string().openapi({ example: "usr_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    details: z.record(z.string(), z.unknown()).openapi({
      example: { points: 100, reason: "Goodwill", ledgerEntryId: "txn_01kb0h5v2c8x4mq7tz3rw9ydge" },
    }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("AuditEntry");

const Id = z.string().trim().min(1).max(64);

const list = createRoute({
  method: "get",
  path: "/v1/admin/audit-log",
  operationId: "listAuditLog",
  tags,
  summary: "What admins did, newest first; filtered by target, actor or action",
  ...signedInAdmin,
  request: {
    query: PageQuerySchema.extend({
      targetType: z.enum(auditTargetTypes).optional(),
      targetId: Id.optional().openapi({ description: "With or without targetType." }),
      actorId: Id.optional().openapi({ description: "The admin who acted." }),
      action: z
        .string()
        .trim()
        .regex(/^[a-z_]+\.[a-z_]+$/, "must be a dotted action such as user.adjust")
        .max(64)
        .optional()
        .openapi({ example: "user.adjust" }),
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(AuditEntrySchema).openapi("AuditLogPage"), "A page of entries"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

export function registerAuditRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await listAuditEntries(c.var.db, filter, { limit, beforeId });
    const page = toPage(rows, limit, (row) => row.id);
    return c.json(
      {
        data: page.rows.map((row) => ({
          ...row,
          details: row.details as Record<string, unknown>,
          createdAt: toIso(row.createdAt),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
}
