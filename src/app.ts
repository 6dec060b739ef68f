import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { matchedRoutes } from "hono/route";
import { secureHeaders } from "hono/secure-headers";
import type { ZodError } from "zod";
import { ConfigError, loadConfig } from "./config";
import { createDb, isErasedUserRefusal, isServerKeyRefusal, meteredD1 } from "./db/client";
import { ApiError, type ErrorCode, errorBody, errorResponseDocument } from "./errors";
import type { AppEnv } from "./http/context";
import { REPLAYED_HEADER } from "./platform/idempotency";
import { metricsHeaders, newRequestMetrics } from "./platform/metrics";
import { newOutbox } from "./platform/outbox";
import { requestLogLine } from "./platform/request-log";

const BOOKMARK_HEADER = "X-D1-Bookmark";

/**
 * Operations that answer without D1 (/health) or from a cache (the leaderboard, the invite
 * link): a bookmark would be on some of their answers and not others, and would not help
 * the client read anything back.
 */
const ANSWERS_WITHOUT_BOOKMARK: ReadonlySet<string> = new Set([
  "/health",
  "/v1/leaderboard",
  "/r/{code}",
]);

/**
 * Whether an answer of the operation at `path` (as the document writes it, `/r/{code}`)
 * carries X-D1-Bookmark: its successes, which are what a client reads back; not its errors,
 * which change nothing (and many of which never reach D1). The document and the middleware
 * both ask this.
 */
function carriesBookmark(path: string, status: number): boolean {
  return status < 400 && !ANSWERS_WITHOUT_BOOKMARK.has(path);
}

/** Request bodies are small JSON documents; anything larger is refused unread. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The exceptions to MAX_BODY_BYTES, by exact path: an import carries up to 1,000 user
 * documents (~300 bytes each), so it gets room for that and no more.
 */
export const LARGE_BODY_ROUTES: Readonly<Record<string, number>> = {
  "/v1/admin/imports": 2 * 1024 * 1024,
};

export function bodyLimitFor(path: string): number {
  return LARGE_BODY_ROUTES[path] ?? MAX_BODY_BYTES;
}

const bodyLimits = new Map(
  [MAX_BODY_BYTES, ...Object.values(LARGE_BODY_ROUTES)].map((maxSize) => [
    maxSize,
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(
          "payload_too_large",
          `The request body is larger than ${maxSize / 1024} KiB.`,
        );
      },
    }),
  ]),
);

/** A bookmark as D1 makes them (hex groups); anything else is ignored, not an error. */
function bookmarkFrom(header: string | undefined): string | null {
  return header && /^[0-9a-f]+(-[0-9a-f]+)*$/i.test(header) && header.length <= 128 ? header : null;
}

function validationError(error: ZodError): ApiError {
  return new ApiError("validation_error", "The request is not valid.", {
    details: error.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "body",
      message: issue.message,
    })),
  });
}

/**
 * The pattern of the route that answered (`/r/:code`): the first matched route that is a
 * handler, not middleware (`app.use` registers for every method). "unmatched" for a 404.
 */
function handlerRoute(c: Context<AppEnv>): string {
  return matchedRoutes(c).find((route) => route.method !== "ALL")?.path ?? "unmatched";
}

function errorResponse(c: Context<AppEnv>, error: Error) {
  const requestId = c.get("requestId") ?? "unknown";
  if (error instanceof ApiError) {
    const { details, headers } = error.options;
    return c.json(errorBody(error.code, error.message, requestId, details), error.status, headers);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx: malformed JSON, an unreadable body, a body too large.
    const code: ErrorCode = error.status === 401 ? "unauthorized" : "validation_error";
    const message = error.status === 400 ? "The request body is not valid JSON." : error.message;
    return c.json(errorBody(code, message, requestId), code === "unauthorized" ? 401 : 400);
  }
  if (isErasedUserRefusal(error)) {
    // The user was erased while this request was under way: it wrote nothing, and for it
    // the user is gone as for any later one.
    return c.json(errorBody("not_found", "No such user exists.", requestId), 404);
  }
  if (isServerKeyRefusal(error)) {
    // The server key was revoked after this request checked it: its batch wrote nothing, and
    // the key is refused as on any later request.
    return c.json(
      errorBody("unauthorized", "This server API key has been revoked.", requestId),
      401,
    );
  }
  if (error instanceof ConfigError) {
    console.error(`[${requestId}] ${error.message}`);
    return c.json(
      errorBody("service_unavailable", "The service is not configured; see its log.", requestId),
      503,
    );
  }
  console.error(`[${requestId}] unhandled error`, error);
  return c.json(errorBody("internal_error", "Something went wrong on our side.", requestId), 500);
}

/**
 * The top of the OpenAPI document: the Worker serves it with its own PUBLIC_BASE_URL, and
 * `npm run openapi` writes it with a placeholder server into the committed openapi.json.
 */
export function openApiConfig(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Referral & rewards API",
      version: "1.0.0",
      description:
        "Invite codes, double-sided tiered rewards and a points wallet, at the edge. Errors " +
        "answer one envelope, `{ error: { code, message, requestId } }`, with a stable code.",
      license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
    },
    servers: [{ url: serverUrl }],
  };
}

/**
 * The OpenAPI document of an app built by `newApp`, for the server at `serverUrl`. What the
 * middleware above does for every route is declared here, once: the 413 of every operation
 * that takes a body (the body limit runs before any route), X-Request-Id on every response
 * and X-D1-Bookmark on those that carry it.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, serverUrl: string) {
  const document = app.getOpenAPI31Document(openApiConfig(serverUrl));
  const requestId = { "X-Request-Id": { $ref: "#/components/headers/RequestId" } };
  const bookmark = { [BOOKMARK_HEADER]: { $ref: "#/components/headers/D1Bookmark" } };
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const method of ["get", "put", "post", "delete", "patch"] as const) {
      const operation = pathItem[method];
      if (!operation) continue;
      if (operation.requestBody) {
        operation.responses = {
          ...operation.responses,
          413: errorResponseDocument("payload_too_large"),
        };
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if ("$ref" in response) continue;
        response.headers = {
          ...requestId,
          ...(carriesBookmark(path, Number(status)) ? bookmark : {}),
          ...response.headers,
        };
      }
    }
  }
  return document;
}

/**
 * Writes that reach the primary once (docs/testing.md, "Round trips and rows per path"):
 * what they read before their batch may come from any replica, because the batch itself
 * enforces every condition (unique keys, CHECKs, triggers, the snapshot it was planned on,
 * the server key still live: `serverWriteCall`), and a lost race is planned again after the
 * batch has brought the session up to the primary. Other writes start on the primary
 * ("first-primary"); a client's bookmark overrides both. An event sent with a server key
 * (not EVENTS_API_KEY) still has its key read on the primary first (`serverCall`).
 */
const PLANNED_ON_REPLICA: readonly RegExp[] = [
  /^\/v1\/auth\/register$/,
  /^\/v1\/me\/redemptions$/,
  /^\/v1\/users\/[^/]+\/checkout$/,
  /^\/v1\/users\/[^/]+\/wallet\/spend(\/[^/]+\/refund)?$/,
  /^\/v1\/events$/,
];

function plansOnReplica(method: string, path: string): boolean {
  return method === "POST" && PLANNED_ON_REPLICA.some((pattern) => pattern.test(path));
}

/**
 * The one app factory: production and tests build the API with it. It resolves the config
 * once per request, turns every failure into the contract's error envelope, and serves the
 * OpenAPI document generated from the same zod schemas that validate requests.
 */
export function newApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    // The request's one reading of the clock: handlers pass it to operations as `now`.
    c.set("now", Date.now());
    const config = loadConfig(c.env);
    c.set("config", config);
    // A D1 session per request: reads may be served by a nearby replica, and a client that
    // sends back the bookmark of its last response reads its own writes.
    const bookmark = bookmarkFrom(c.req.header(BOOKMARK_HEADER));
    const constraint =
      c.req.method === "GET" || plansOnReplica(c.req.method, c.req.path)
        ? "first-unconstrained"
        : "first-primary";
    const session = c.env.DB.withSession(bookmark ?? constraint);
    // D1 work is metered on every request for the request log; only the benchmark
    // (BENCH_METRICS=1) counts the rows of array reads too and sends it all back as headers.
    const metrics = newRequestMetrics();
    const startedAt = performance.now();
    const exactReads = config.benchMetrics;
    c.set("metrics", metrics);
    c.set("outbox", newOutbox());
    c.set(
      "db",
      createDb(
        meteredD1(session, metrics, {
          exactReads,
          routing: bookmark || constraint === "first-unconstrained" ? "replica" : "first-primary",
        }),
      ),
    );
    c.set("primaryDb", createDb(meteredD1(c.env.DB, metrics, { exactReads, routing: "primary" })));
    await next();
    const newBookmark = session.getBookmark();
    const documentPath = handlerRoute(c).replace(/:(\w+)/g, "{$1}");
    if (newBookmark && carriesBookmark(documentPath, c.res.status))
      c.header(BOOKMARK_HEADER, newBookmark);
    if (config.benchMetrics) {
      for (const [name, value] of Object.entries(metricsHeaders(metrics))) c.header(name, value);
    }
    console.log(
      JSON.stringify(
        requestLogLine({
          requestId: c.var.requestId,
          method: c.req.method,
          route: handlerRoute(c),
          status: c.res.status,
          startedAt,
          endedAt: performance.now(),
          metrics,
        }),
      ),
    );
  });
  app.use(
    cors({
      origin: (origin, c: Context<AppEnv>) =>
        c.var.config.corsOrigins.includes(origin) ? origin : null,
      allowHeaders: [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "X-Device-Id",
        BOOKMARK_HEADER,
      ],
      exposeHeaders: ["X-Request-Id", "Retry-After", REPLAYED_HEADER, BOOKMARK_HEADER],
      credentials: true,
      maxAge: 600,
    }),
  );
  // A route's own value wins (overwrite: false): /referrals.js must be loadable by other
  // origins (Cross-Origin-Resource-Policy: cross-origin), pages set their own policies.
  app.use(secureHeaders({ overwrite: false }));
  // Before any route parses the body, with or without a Content-Length (a streamed body is
  // counted as it arrives), and after CORS so that a browser can read the 413.
  app.use((c, next) => {
    const limit = bodyLimits.get(bodyLimitFor(c.req.path));
    if (!limit) throw new Error("unreachable: every body limit has its middleware");
    return limit(c, next);
  });

  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) =>
    c.json(errorBody("not_found", `No route ${c.req.method} ${c.req.path}.`, c.var.requestId), 404),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "serverKey", {
    type: "http",
    scheme: "bearer",
    description: "A server API key (rk_…) from POST /v1/admin/api-keys, for your back end.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "eventsKey", {
    type: "http",
    scheme: "bearer",
    description: "The EVENTS_API_KEY secret, for server-to-server calls.",
  });
  app.openAPIRegistry.registerComponent("headers", "RequestId", {
    description: "This request's id, also in every error body and the request log.",
    schema: { type: "string" },
  });
  app.openAPIRegistry.registerComponent("headers", "D1Bookmark", {
    description: `Send it back as ${BOOKMARK_HEADER} to read your own writes on the next request.`,
    schema: { type: "string" },
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument(app, c.var.config.publicBaseUrl)));

  return app;
}

export type App = ReturnType<typeof newApp>;
