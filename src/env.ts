import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Config } from "./config";
import type * as schema from "./db/schema";

/** The Worker's bindings, as declared in wrangler.toml (secrets from .dev.vars / wrangler secret). */
export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  ENVIRONMENT?: string;
  PUBLIC_BASE_URL?: string;
  SIGNUP_URL?: string;
  CORS_ORIGINS?: string;
  ACCESS_TOKEN_SECRET?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_DAYS?: string;
  BCRYPT_COST?: string;
  EVENTS_API_KEY?: string;
  ADMIN_PHONES?: string;
  DEFAULT_PHONE_COUNTRY?: string;
  /** Set only by the benchmark: adds an X-D1-Rows header with rows read/written. */
  D1_METRICS?: string;
}

export type Database = DrizzleD1Database<typeof schema>;

export interface AuthContext {
  userId: string;
  role: "user" | "admin";
  sessionId: string;
}

/** Per-request variables: resolved once in the app factory's middleware, read by routes. */
export interface Variables {
  requestId: string;
  config: Config;
  db: Database;
  auth: AuthContext;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
