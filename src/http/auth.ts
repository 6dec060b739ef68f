import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import {
  API_KEY_PREFIX,
  apiKeyHash,
  findLiveApiKeyByHash,
  serverKeyGuard,
  touchApiKey,
} from "../credentials/server-keys";
import { currentRole, sessionIsLive } from "../credentials/sessions";
import { verifyAccessToken } from "../credentials/tokens";
import { type BatchGuards, createDb } from "../db/client";
import type { ApiKeyScope } from "../db/schema";
import { ApiError } from "../errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import type { AppEnv, AuthContext } from "./context";

/**
 * Reads the bearer token, if any, without failing (for routes that are public but personal).
 * A token whose session was revoked (logout, a reused refresh token, a password change or
 * reset) counts for nothing, though its signature and expiry are still good.
 *
 * The session is read where the request's reads go (a replica for GETs and for the writes
 * planned on one). A session the replica does not show as live is asked of the primary
 * before the token is refused: a replica behind a login just made must not sign its
 * user out. That costs a primary round trip only for a token that fails.
 */
export async function authenticate(
  { config, db, primaryDb }: Pick<AppEnv["Variables"], "config" | "db" | "primaryDb">,
  header?: string,
) {
  const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? "");
  if (!match?.[1]) return null;
  const result = await verifyAccessToken(config, match[1]);
  if (!result.ok) return null;
  const { sessionId } = result.auth;
  const live =
    (await sessionIsLive(db, sessionId)) ||
    (primaryDb !== db && (await sessionIsLive(primaryDb, sessionId)));
  return live ? result.auth : null;
}

/** The one auth middleware: a valid access token, or 401 unauthorized. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  if (!header)
    throw new ApiError("unauthorized", "Send an access token: Authorization: Bearer <token>.");
  const auth = await authenticate(c.var, header);
  if (!auth) {
    throw new ApiError(
      "unauthorized",
      "The access token is malformed, expired, forged or of a session that has ended.",
    );
  }
  c.set("auth", auth);
  await next();
});

/**
 * An embed token was handed to a page of another site, not to the person: it shows the
 * portal, but what owns the account (administration, the password, erasure, the phone)
 * refuses it with 403, before anything is checked or counted.
 */
function refuseEmbedToken(auth: AuthContext, message: string) {
  if (auth.embedded) throw new ApiError("forbidden", message);
}

/** After `requireUser`: the account's owner in person, not an embedded portal's token. */
export const requireAccountOwner = createMiddleware<AppEnv>(async (c, next) => {
  refuseEmbedToken(
    c.var.auth,
    "An embed token shows the portal: it cannot change the password or the phone, or erase the account.",
  );
  await next();
});

/**
 * After `requireUser`: the caller must be an admin now. The role is read from D1, not the
 * token, so that a demotion takes effect at once rather than when the token expires. An
 * embed token is refused whoever it is for.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  refuseEmbedToken(c.var.auth, "An embed token cannot be used for administration.");
  if ((await currentRole(c.var.db, c.var.auth.userId)) !== "admin")
    throw new ApiError("forbidden", "This needs the admin role.");
  await next();
});

/** Spread into a `createRoute`: the route needs a signed-in user, and says so in OpenAPI. */
export const signedIn = {
  security: [{ bearerAuth: [] }],
  middleware: [requireUser] as [typeof requireUser],
};

/**
 * The same, for routes that own the account (password, erasure, phone): an embed token
 * gets `403 forbidden`.
 */
export const signedInOwner = {
  security: [{ bearerAuth: [] }],
  middleware: [requireUser, requireAccountOwner] as [
    typeof requireUser,
    typeof requireAccountOwner,
  ],
};

/** The same, for routes that also need the admin role. */
export const signedInAdmin = {
  security: [{ bearerAuth: [] }],
  middleware: [requireUser, requireAdmin] as [typeof requireUser, typeof requireAdmin],
};

/** How often a key's `lastUsedAt` is written at most: not a write on every call. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * The live key whose secret was presented, or undefined. Read on the primary (no cache), so
 * that a revocation holds from the next request on; for a write whose own batch refuses a
 * revoked key (`guardedInBatch`), where the request's reads go instead (a replica for the
 * writes planned on one: no round trip to the primary), and asked of the primary only when
 * that read does not show the key live — a replica behind a new key must not refuse it.
 */
async function findPresentedKey(
  { db, primaryDb }: Pick<AppEnv["Variables"], "db" | "primaryDb">,
  presented: string,
  guardedInBatch: boolean,
) {
  if (!presented.startsWith(API_KEY_PREFIX)) return undefined;
  const secretHash = await apiKeyHash(presented);
  const onReplica = guardedInBatch ? await findLiveApiKeyByHash(db, secretHash) : undefined;
  return onReplica ?? (await findLiveApiKeyByHash(primaryDb, secretHash));
}

/**
 * The one server-key middleware: `Authorization: Bearer rk_…` of a live key with every one
 * of `scopes`. Unknown or revoked → 401, a missing scope → 403. For scope `events`, the
 * EVENTS_API_KEY secret is accepted too (compared in constant time). Where the key is read:
 * `findPresentedKey`.
 */
function serverKeyMiddleware(
  scopes: readonly [ApiKeyScope, ...ApiKeyScope[]],
  { guardedInBatch }: { guardedInBatch: boolean },
) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = /^Bearer (\S+)$/.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
    if (
      scopes.length === 1 &&
      scopes[0] === "events" &&
      presented &&
      (await timingSafeEqualStrings(presented, c.var.config.eventsApiKey))
    ) {
      c.set("serverKey", { id: EVENTS_API_KEY_ID, scopes: ["events"], createdBy: null });
      await next();
      return;
    }
    const key = await findPresentedKey(c.var, presented, guardedInBatch);
    if (!key) {
      throw new ApiError("unauthorized", "Send a server API key: Authorization: Bearer rk_….");
    }
    const missing = scopes.filter((scope) => !key.scopes.includes(scope));
    if (missing.length > 0) {
      throw new ApiError("forbidden", `This API key lacks the scope ${missing.join(" and ")}.`);
    }
    const { now } = c.var;
    if (key.lastUsedAt === null || key.lastUsedAt < now - LAST_USED_EVERY_MS) {
      // Not awaited, so not one of the request's round trips: the binding unmetered.
      c.executionCtx.waitUntil(touchApiKey(createDb(c.env.DB), key.id, now, LAST_USED_EVERY_MS));
    }
    c.set("serverKey", { id: key.id, scopes: key.scopes, createdBy: key.createdBy });
    await next();
  });
}

/** The server-key middleware, the key read on the primary (see `serverKeyMiddleware`). */
export function requireServerKey(...scopes: [ApiKeyScope, ...ApiKeyScope[]]) {
  return serverKeyMiddleware(scopes, { guardedInBatch: false });
}

/**
 * Spread into a `createRoute`: an admin's route that a shop's back end may call too, with
 * a server key of `scope` (an `rk_…` bearer is checked as a key, anything else as an
 * admin's access token) — so a long job such as an import needs no short-lived token.
 */
export function adminOrServerCall(scope: ApiKeyScope) {
  const serverKey = requireServerKey(scope);
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const presented = /^Bearer (\S+)$/.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
    if (presented.startsWith(API_KEY_PREFIX)) await serverKey(c, next);
    else await requireUser(c, async () => void (await requireAdmin(c, next)));
  });
  return {
    security: [{ bearerAuth: [] }, { serverKey: [] }] as Record<string, string[]>[],
    middleware: [middleware] as [typeof middleware],
  };
}

/** The id a call with the EVENTS_API_KEY secret is known by (idempotency, logs). */
export const EVENTS_API_KEY_ID = "events-api-key";

/**
 * Spread into a `createRoute`: a server-to-server route that needs a key with `scopes`.
 *
 * @example createRoute({ method: "get", path: "/v1/coupons/{code}", ...serverCall("coupons"), … })
 */
export function serverCall(...scopes: [ApiKeyScope, ...ApiKeyScope[]]) {
  return serverRoute(requireServerKey(...scopes));
}

/**
 * The same, for a write that reaches the D1 primary once: its handler puts
 * `serverKeyGuards(c)` first in its batch, so the key is checked where the request's reads
 * go (a replica) and the batch refuses it if it was revoked meanwhile (401, nothing written).
 *
 * @example createRoute({ method: "post", path: "/v1/users/{id}/wallet/spend", ...serverWriteCall("wallet"), … })
 */
export function serverWriteCall(...scopes: [ApiKeyScope, ...ApiKeyScope[]]) {
  return serverRoute(serverKeyMiddleware(scopes, { guardedInBatch: true }));
}

function serverRoute<M extends ReturnType<typeof requireServerKey>>(middleware: M) {
  return {
    security: [{ serverKey: [] }],
    middleware: [middleware] as [M],
  };
}

/**
 * For the batch of a `serverWriteCall` route, first in it: it fails the batch when the
 * request's server key is no longer live (`serverKeyGuard`), answered 401 (src/app.ts).
 */
export function serverKeyGuards(c: Context<AppEnv>): BatchGuards {
  return [serverKeyGuard(c.var.db, c.var.serverKey.id)];
}
