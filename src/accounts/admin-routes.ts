import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { IdParamSchema } from "../http/schemas";
import { AdminReasonSchema } from "../lib/names";
import { toIso } from "../lib/time";
import { depsOf } from "../platform/deps";
import {
  IdempotencyHeaderSchema,
  REPLAYED_HEADER,
  replayedResponseHeaders,
  requestFingerprint,
} from "../platform/idempotency";
import { toUser, UserSchema } from "../users/schemas";
import { adjustPoints, changeRole, findUsersForAdmin, userForAdmin } from "./admin";
import { AdminUserSchema, toAdminUser } from "./schemas";

const tags = ["Administration"];

const listUsers = createRoute({
  method: "get",
  path: "/v1/admin/users",
  operationId: "listUsers",
  tags,
  summary: "Find a user by phone, or list users newest first",
  ...signedInAdmin,
  request: {
    query: PageQuerySchema.extend({
      phone: z.string().trim().min(1).max(40).optional().openapi({
        example: "+923001234567",
        description:
          "Only the user with this phone (none or one), spelled any way signup accepts it.",
      }),
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(AdminUserSchema).openapi("AdminUserPage"), "A page of users"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const getUser = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  operationId: "getUser",
  tags,
  summary: "One user with their balance and referral counts",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    200: jsonResponse(AdminUserSchema, "The user"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const patchUser = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  operationId: "setUserRole",
  tags,
  summary: "Change a user's role",
  ...signedInAdmin,
  request: {
    params: IdParamSchema,
    body: jsonBody(z.object({ role: z.enum(["user", "admin"]) }).openapi("PatchUserRequest")),
  },
  responses: {
    200: jsonResponse(UserSchema, "The user"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

const AdjustmentSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    points: z.number().int(),
    reason: z.string(),
    balanceAfter: z.number().int(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Adjustment");

const adjust = createRoute({
  method: "post",
  path: "/v1/admin/users/{id}/adjustments",
  operationId: "adjustPoints",
  tags,
  summary: "Credit or debit a user's points by hand (idempotent)",
  ...signedInAdmin,
  request: {
    params: IdParamSchema,
    headers: IdempotencyHeaderSchema,
    body: jsonBody(
      z
        .object({
          points: z
            .number()
            .int()
            .min(-1_000_000)
            .max(1_000_000)
            .refine((points) => points !== 0, "must not be 0"),
          reason: AdminReasonSchema,
        })
        .openapi("AdjustmentRequest"),
    ),
  },
  responses: {
    201: {
      ...jsonResponse(
        z
          .object({ adjustment: AdjustmentSchema, balance: z.number().int() })
          .openapi("AdjustmentResult"),
        "Adjusted (or, for a repeated Idempotency-Key, the first result again)",
      ),
      headers: replayedResponseHeaders,
    },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "insufficient_points",
      "idempotency_key_reused",
      "idempotency_in_progress",
    ),
  },
});

export function registerUserAdminRoutes(app: App) {
  app.openapi(listUsers, async (c) => {
    const { limit, cursor, phone } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await findUsersForAdmin(depsOf(c), { phone, limit, beforeId }, c.var.now);
    const page = toPage(rows, limit, (row) => row.id);
    return c.json(
      {
        data: page.rows.map((row) => toAdminUser(row, c.var.config)),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  app.openapi(getUser, async (c) => {
    const user = await userForAdmin(c.var.db, c.req.valid("param").id, c.var.now);
    return c.json(toAdminUser(user, c.var.config), 200);
  });

  app.openapi(patchUser, async (c) => {
    const user = await changeRole(
      c.var.db,
      c.var.auth.userId,
      {
        userId: c.req.valid("param").id,
        role: c.req.valid("json").role,
      },
      c.var.now,
    );
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(adjust, async (c) => {
    const userId = c.req.valid("param").id;
    const body = c.req.valid("json");
    const { adjustment, replayed } = await adjustPoints(
      c.var.db,
      {
        actorId: c.var.auth.userId,
        userId,
        ...body,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
        requestHash: await requestFingerprint({ userId, ...body }),
      },
      c.var.now,
    );
    if (replayed) c.header(REPLAYED_HEADER, "true");
    return c.json(
      {
        adjustment: { ...adjustment, createdAt: toIso(adjustment.createdAt) },
        balance: adjustment.balanceAfter,
      },
      201,
    );
  });
}
