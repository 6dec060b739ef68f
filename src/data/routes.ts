import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { adminOrServerCall, clientIp, signedIn, signedInAdmin, signedInOwner } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { depsOf } from "../platform/deps";
import { eraseMe, eraseUserAsAdmin } from "./erase";
import { exportMyData } from "./export";
import { importLegacyUsers } from "./imports";
import { LegacyUserSchema, MAX_IMPORT_DOCUMENTS } from "./legacy";

const adminTags = ["Administration"];
const tags = ["Your data"];

/** The one route whose body may exceed the API's 64 KiB (see bodyLimitFor in src/app.ts). */
export const IMPORTS_PATH = "/v1/admin/imports";

const ImportReportSchema = z
  .object({
    created: z.number().int(),
    skipped: z.number().int().openapi({ description: "Phones already here: nothing written" }),
    failed: z.array(
      z.object({ index: z.number().int(), phone: z.string().nullable(), reason: z.string() }),
    ),
    referralsLinked: z.number().int(),
    pointsImported: z.number().int(),
  })
  .openapi("ImportReport");

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

const iso = z.string().openapi({ format: "date-time" });
const isoOrNull = iso.nullable();

const ExportSchema = z
  .object({
    exportedAt: iso,
    profile: z.object({
      id: z.string(),
      name: z.string(),
      phone: z.string().nullable(),
      role: z.enum(["user", "admin"]),
      referralCode: z.string(),
      createdAt: iso,
    }),
    referralCodes: z.array(
      z.object({
        code: z.string(),
        kind: z.enum(["code", "legacy"]),
        status: z.enum(["active", "retired"]),
        createdAt: iso,
        retiredAt: isoOrNull,
      }),
    ),
    referredBy: z.object({ code: z.string() }).nullable(),
    referralsMade: z.array(
      z.object({
        id: z.string(),
        name: z.string().openapi({ description: "Masked, as everywhere: Ayesha K." }),
        ordinal: z.number().int(),
        code: z.string(),
        status: z.string(),
        source: z.string(),
        points: z.number().int(),
        createdAt: iso,
        qualifiedAt: isoOrNull,
      }),
    ),
    wallet: z.object({
      balance: z.number().int(),
      lifetimeEarned: z.number().int(),
      lifetimeRedeemed: z.number().int(),
    }),
    transactions: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        points: z.number().int(),
        balanceAfter: z.number().int(),
        description: z.string(),
        expiresAt: isoOrNull,
        createdAt: iso,
      }),
    ),
    redemptions: z.array(
      z.object({
        id: z.string(),
        rewardId: z.string(),
        cost: z.number().int(),
        couponCode: z.string().nullable(),
        createdAt: iso,
      }),
    ),
    invites: z.array(
      z.object({
        id: z.string(),
        channel: z.enum(["email", "sms"]),
        recipient: z.string(),
        message: z.string().nullable(),
        status: z.string(),
        createdAt: iso,
        sentAt: isoOrNull,
        joinedAt: isoOrNull,
      }),
    ),
    unlocks: z.array(z.object({ unlock: z.string(), source: z.string(), grantedAt: iso })),
    sessions: z.array(
      z.object({ id: z.string(), createdAt: iso, lastUsedAt: isoOrNull, revokedAt: isoOrNull }),
    ),
  })
  .openapi("PersonalDataExport");

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

const eraseUserRoute = createRoute({
  method: "delete",
  path: "/v1/admin/users/{id}",
  operationId: "eraseUser",
  tags: adminTags,
  summary: "Erase a user as an admin (written to the audit log)",
  ...signedInAdmin,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    204: { description: "Erased" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
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
