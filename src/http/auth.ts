import { createMiddleware } from "hono/factory";
import { sessionIsLive } from "../auth/store";
import { verifyAccessToken } from "../auth/tokens";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { findUserById } from "../users/store";

/**
 * Reads the bearer token, if any, without failing (for routes that are public but personal).
 * A token whose session was revoked (logout, a reused refresh token, a password change or
 * reset) counts for nothing, though its signature and expiry are still good.
 */
export async function authenticate(
  { config, db }: Pick<AppEnv["Variables"], "config" | "db">,
  header?: string,
) {
  const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? "");
  if (!match?.[1]) return null;
  const result = await verifyAccessToken(config, match[1]);
  if (!result.ok || !(await sessionIsLive(db, result.auth.sessionId))) return null;
  return result.auth;
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
 * After `requireUser`: the caller must be an admin now. The role is read from D1, not the
 * token, so that a demotion takes effect at once rather than when the token expires.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const user = await findUserById(c.var.db, c.var.auth.userId);
  if (user?.role !== "admin") throw new ApiError("forbidden", "This needs the admin role.");
  await next();
});

/** Spread into a `createRoute`: the route needs a signed-in user, and says so in OpenAPI. */
export const signedIn = {
  security: [{ bearerAuth: [] }],
  middleware: [requireUser] as [typeof requireUser],
};

/** The same, for routes that also need the admin role. */
export const signedInAdmin = {
  security: [{ bearerAuth: [] }],
  middleware: [requireUser, requireAdmin] as [typeof requireUser, typeof requireAdmin],
};

/** Server-to-server calls: `Authorization: Bearer <EVENTS_API_KEY>`, compared in constant time. */
export const requireEventsKey = createMiddleware<AppEnv>(async (c, next) => {
  const presented = /^Bearer (.+)$/.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
  if (!(await timingSafeEqualStrings(presented, c.var.config.eventsApiKey))) {
    throw new ApiError(
      "unauthorized",
      "Send the events API key: Authorization: Bearer <EVENTS_API_KEY>.",
    );
  }
  await next();
});

/**
 * The client's address as Cloudflare reports it (tests may set it themselves). Loopback
 * means local development, where every client shares one address: it carries no signal,
 * so it counts as unknown (never as "the same IP as the referrer").
 */
export function clientIp(header: string | undefined): string {
  const ip = header?.trim();
  if (!ip || /^(127\.|::1$|::ffff:127\.)/.test(ip)) return UNKNOWN_IP;
  return ip;
}

export const UNKNOWN_IP = "unknown";
