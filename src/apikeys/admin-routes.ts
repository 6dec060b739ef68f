import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { type ApiKeyRow, listApiKeys } from "../credentials/server-keys";
import { apiKeyScopes } from "../db/schema";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { IdParamSchema } from "../http/schemas";
import { toIso, toIsoOrNull } from "../lib/time";
import { createApiKey, deleteApiKey } from "./service";

const tags = ["Administration"];

const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    name: z.string().openapi({ example: "Shop checkout" }),
    scopes: z.array(z.enum(apiKeyScopes)),
    prefix: z.string().openapi({ example: "rk_Zq3v9XbT" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    lastUsedAt: z.string().nullable().openapi({ format: "date-time" }),
    revokedAt: z.string().nullable().openapi({
      format: "date-time",
      description: "Listed only with includeRevoked=true.",
    }),
  })
  .openapi("ApiKey");

const createKey = createRoute({
  method: "post",
  path: "/v1/admin/api-keys",
  operationId: "createApiKey",
  tags,
  summary: "Create a server API key for a back end (the secret is shown once)",
  ...signedInAdmin,
  request: {
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(80),
          scopes: z.array(z.enum(apiKeyScopes)).min(1).max(apiKeyScopes.length),
        })
        .openapi("CreateApiKeyRequest"),
    ),
  },
  responses: {
    201: jsonResponse(
      z
        .object({
          apiKey: ApiKeySchema,
          secret: z.string().openapi({ description: "rk_…: store it now, it is not shown again." }),
        })
        .openapi("CreatedApiKey"),
      "The key and its secret",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const listKeys = createRoute({
  method: "get",
  path: "/v1/admin/api-keys",
  operationId: "listApiKeys",
  tags,
  summary: "The live server API keys, newest first (never their secrets)",
  ...signedInAdmin,
  request: {
    query: z.object({
      includeRevoked: z
        .enum(["true", "false"])
        .default("false")
        .transform((value) => value === "true")
        .openapi({ description: "Also the revoked keys, with their revokedAt." }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ data: z.array(ApiKeySchema) }).openapi("ApiKeyList"), "The keys"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/v1/admin/api-keys/{id}",
  operationId: "revokeApiKey",
  tags,
  summary: "Revoke a server API key, from the next request on",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    204: { description: "Revoked" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

function toApiKey(row: ApiKeyRow) {
  return {
    ...row,
    createdAt: toIso(row.createdAt),
    lastUsedAt: toIsoOrNull(row.lastUsedAt),
    revokedAt: toIsoOrNull(row.revokedAt),
  };
}

export function registerApiKeyRoutes(app: App) {
  app.openapi(createKey, async (c) => {
    const { apiKey, secret } = await createApiKey(
      c.var.db,
      c.var.auth.userId,
      c.req.valid("json"),
      c.var.now,
    );
    return c.json({ apiKey: toApiKey(apiKey), secret }, 201);
  });

  app.openapi(listKeys, async (c) => {
    const keys = await listApiKeys(c.var.db, c.req.valid("query"));
    return c.json({ data: keys.map(toApiKey) }, 200);
  });

  app.openapi(revokeKey, async (c) => {
    await deleteApiKey(c.var.db, c.var.auth.userId, c.req.valid("param").id, c.var.now);
    return c.body(null, 204);
  });
}
