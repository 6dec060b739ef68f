import type { Config } from "../config";
import type { Database } from "../db/client";
import type { Bindings } from "../env";
import type { RequestMetrics } from "../platform/metrics";
import type { Outbox } from "../platform/outbox";

/** What a request carries through the app: who is calling, and what the app factory resolved once. */
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
  /** When the request arrived (ms), read once: the `now` its operations are given. */
  now: number;
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
  /** The webhook events this request wrote: sent after its response. */
  outbox: Outbox;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
