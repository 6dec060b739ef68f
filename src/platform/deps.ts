/**
 * What domain operations are given: one `Deps` for everything a request (or a job) holds.
 * A store function takes `db` first; a domain operation takes `db` first when D1 is all it
 * needs, and otherwise one object of the `Deps` it uses (`Pick<Deps, …>`, plus its own
 * sender where it has one) — never two of them as separate arguments; then its input; then
 * `now`. Routes build it with `depsOf(c)`.
 */
import type { Context } from "hono";
import type { Config } from "../config";
import type { Database } from "../db/client";
import type { AppEnv } from "../http/context";
import type { RequestMetrics } from "./metrics";
import type { Outbox } from "./outbox";
import { type RateLimiter, rateLimiterFor } from "./rate-limit";

export interface Deps {
  db: Database;
  config: Config;
  /** The webhook events written so far, sent after the response (or the job). */
  outbox: Outbox;
  rateLimiter: RateLimiter;
  metrics: RequestMetrics | null;
  /** The KV cache (invite-link code look-ups, link settings, previews). */
  kv: KVNamespace;
  /** Runs work after the response (the request's waitUntil). */
  defer: (work: Promise<unknown>) => void;
}

/** What a write that announces webhook events needs: its database and the outbox. */
export type EventDeps = Pick<Deps, "db" | "outbox">;

/**
 * The request's `Deps`, from its variables and bindings. The rate limiter (its own D1
 * handle on the primary) is made when first used: the invite link's hot path has none.
 */
export function depsOf(c: Context<AppEnv>): Deps {
  let limiter: RateLimiter | undefined;
  return {
    db: c.var.db,
    config: c.var.config,
    outbox: c.var.outbox,
    get rateLimiter() {
      limiter ??= rateLimiterFor(c);
      return limiter;
    },
    metrics: c.var.metrics,
    kv: c.env.KV,
    defer: (work) => c.executionCtx.waitUntil(work),
  };
}
