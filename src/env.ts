import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Config } from "./config";
import type { D1Client } from "./db/client";
import type { RequestMetrics } from "./platform/metrics";

/**
 * The Worker's bindings: what wrangler.toml declares (generated into
 * worker-configuration.d.ts by `npm run types`) plus the secrets, which come from
 * `wrangler secret put` in production and .dev.vars locally.
 */
export interface Bindings extends WranglerBindings {
  ACCESS_TOKEN_SECRET?: string;
  EVENTS_API_KEY?: string;
  IP_HASH_SALT?: string;
  INVITE_WEBHOOK_SECRET?: string;
  TWILIO_AUTH_TOKEN?: string;
  RESEND_API_KEY?: string;
  /** Cloudflare Turnstile: set, signups and SMS sends need a passed challenge. */
  TURNSTILE_SECRET_KEY?: string;
  /** The portal shows the Turnstile widget with this site key. */
  TURNSTILE_SITE_KEY?: string;
  /** A local stand-in for siteverify (development and test only). */
  TURNSTILE_SITEVERIFY_URL?: string;
  /** Set only by the benchmark: X-D1-Rows and Server-Timing headers on every response. */
  BENCH_METRICS?: string;
}

/** Drizzle over D1; `$client` is the D1 binding (or session) underneath, for plain statements. */
export type Database = DrizzleD1Database & { $client: D1Client };

export interface AuthContext {
  userId: string;
  role: "user" | "admin";
  sessionId: string;
  /** An embed token (issued to a back end for an embedded portal): never admin. */
  embedded?: boolean;
}

/** The server API key a back end called with (`requireServerKey`). */
export interface ServerKeyContext {
  /** The key's id; "events-api-key" for the EVENTS_API_KEY secret. */
  id: string;
  scopes: readonly string[];
  /** The admin who created the key: the audit log's actor for what the key does; null for EVENTS_API_KEY. */
  createdBy: string | null;
}

/** Per-request variables: resolved once in the app factory's middleware, read by routes. */
export interface Variables {
  requestId: string;
  config: Config;
  db: Database;
  /**
   * The binding without a session: every call goes to the primary (atomic counters, key
   * checks that a revocation must reach at once). Metered like `db`.
   */
  primaryDb: Database;
  auth: AuthContext;
  serverKey: ServerKeyContext;
  metrics: RequestMetrics | null;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
