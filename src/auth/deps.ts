import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { rateLimiterFor } from "../platform/rate-limit";

/** What the sign-in and account operations need, from the request that calls them. */
export function authDeps(c: Context<AppEnv>) {
  return {
    db: c.var.db,
    config: c.var.config,
    rateLimiter: rateLimiterFor(c),
    metrics: c.var.metrics,
  };
}
