import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { adminOrServerCall, signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { depsOf } from "../platform/deps";
import { eraseUserAsAdmin } from "./erase";
import { importLegacyUsers } from "./imports";
import { LegacyUserSchema, MAX_IMPORT_DOCUMENTS } from "./legacy";

import { ImportReportSchema } from "./schemas";

const adminTags = ["Administration"];

/** The one route whose body may exceed the API's 64 KiB (see bodyLimitFor in src/app.ts). */
const IMPORTS_PATH = "/v1/admin/imports";

/**
 * The documented shape of one document: the import's own schema as JSON Schema (its input
 * side), so the document and the check cannot drift apart. The route takes any value: the
 * import checks each document and reports a bad one alone.
 */
const { $schema: _, ...legacyUserDocument } = z.toJSONSchema(LegacyUserSchema, {
  io: "input",
  unrepresentable: "any",
});
type OpenApiMetadata = Parameters<ReturnType<typeof z.unknown>["openapi"]>[1];
const LegacyUserDocumentSchema = z
  .unknown()
  .openapi("LegacyUserDocument", legacyUserDocument as OpenApiMetadata);

const importUsers = createRoute({
  method: "post",
  path: IMPORTS_PATH,
  operationId: "importLegacyUsers",
  tags: adminTags,
  summary: "Import users of the Express/MongoDB backend (mongoexport --jsonArray documents)",
  description: "An admin's access token, or a server key with scope imports.",
  ...adminOrServerCall("imports"),
  request: {
    query: z.object({
      dryRun: z
        .enum(["true", "false"])
        .default("false")
        .transform((value) => value === "true"),
      defaultCountry: z
        .string()
        .regex(/^[A-Z]{2}$/, "must be an ISO 3166 alpha-2 country code")
        .optional()
        .openapi({ description: "For national spellings (0300 1234567); else the API's default" }),
    }),
    // Each document is checked alone by the import (a bad one fails alone), not here.
    body: jsonBody(
      z.array(LegacyUserDocumentSchema).min(1).max(MAX_IMPORT_DOCUMENTS).openapi("ImportRequest", {
        description: "Up to 1,000 user documents as mongoexport --jsonArray writes them",
      }),
    ),
  },
  responses: {
    200: jsonResponse(ImportReportSchema, "What was created, skipped and refused"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const eraseUserRoute = createRoute({
  method: "delete",
  path: "/v1/admin/users/{id}",
  operationId: "eraseUser",
  tags: adminTags,
  summary: "Erase a user as an admin (written to the audit log)",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    204: { description: "Erased" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

export function registerDataAdminRoutes(app: App) {
  app.openapi(eraseUserRoute, async (c) => {
    await eraseUserAsAdmin(depsOf(c), c.var.auth.userId, c.req.valid("param").id, c.var.now);
    return c.body(null, 204);
  });
  app.openapi(importUsers, async (c) => {
    const query = c.req.valid("query");
    const report = await importLegacyUsers(
      c.var.db,
      c.req.valid("json"),
      {
        defaultCountry: query.defaultCountry ?? (c.var.config.defaultPhoneCountry || undefined),
        dryRun: query.dryRun,
      },
      c.var.now,
    );
    return c.json(report, 200);
  });
}
