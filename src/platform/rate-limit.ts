import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { Database } from "../db/client";
import { createDb, violatedConstraint } from "../db/client";
import { rateLimitCounters } from "../db/schema";
import type { Bindings } from "../env";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";
import { sha256Hex } from "../lib/crypto";
import { ipv6Groups } from "../lib/ip";

/**
 * The one rate limiter. Counts are atomic, so parallel requests cannot slip past a limit:
 * by default a D1 upsert that counts and checks in one statement (`… DO UPDATE SET count =
 * count + 1 WHERE count < limit RETURNING count`); rules on hot paths name a Rate Limiting
 * binding instead, counted at the edge without a D1 write; a write that must cost one round
 * trip to the primary counts its limits inside its own batch (`inBatch`), where the database
 * refuses a count past the limit and so the whole write. KV is never a counter: its
 * read-then-write loses updates and is eventually consistent across locations.
 *
 * Windows are fixed (they start at multiples of their length), so a subject can use up to
 * twice a limit across a window boundary; for abuse limits that is enough.
 */
export interface RateLimitRule {
  /** Names the limit in keys and logs, e.g. "login-fail-phone". */
  name: string;
  limit: number;
  windowSeconds: number;
  /**
   * Count at the edge with this Rate Limiting binding (wrangler.toml `[[ratelimits]]`, with
   * the same limit and a period of 10 or 60 s) rather than in D1. The binding only answers
   * "count and check", so such rules support `consume` and `hit` only.
   */
  edgeBinding?: EdgeLimiterName;
}

/** The bindings of wrangler.toml that are Rate Limiting namespaces. */
type EdgeLimiterName = {
  [K in keyof Bindings]-?: Bindings[K] extends RateLimit ? K : never;
}[keyof Bindings];

/** One use of one limit by one subject. */
export type RateLimitUse = readonly [rule: RateLimitRule, subject: string];

/** What `consumeAll` counted, to give back when the use turns out not to count. */
export interface RateLimitReceipt {
  refund(): Promise<void>;
}

/** Uses counted inside the caller's own write batch (`RateLimiter.inBatch`). */
export interface BatchedRateLimits {
  /**
   * For the batch, before its other writes: one upsert per use, which fails the batch
   * (CHECK rate_limit_counters_within_limit) when that use is past its limit.
   */
  statements: BatchItem<"sqlite">[];
  /** The 429 (with Retry-After) for a batch that failed on a used-up limit; null otherwise. */
  refusal(error: unknown): ApiError | null;
  /**
   * Counts the uses after the response, for an attempt whose batch failed for another
   * reason (rolled back with it), so that refused attempts count as they did before.
   */
  countAfterResponse(): void;
}

/** What D1 names when a batch counted a use past its limit (migration 0029). */
const PAST_LIMIT_CONSTRAINT = "rate_limit_counters_within_limit";

export interface RateLimiter {
  /** Throws 429 rate_limited when `subject` has used up `rule`; otherwise counts this use. */
  consume(rule: RateLimitRule, subject: string): Promise<void>;
  /**
   * `consume` for several limits at once: either every one counts this use, or (one being
   * used up) none does and it throws 429. The receipt gives the uses back, e.g. a login
   * attempt counted as a failure until the password turns out right.
   */
  consumeAll(uses: readonly RateLimitUse[]): Promise<RateLimitReceipt>;
  /** Throws 429 rate_limited when `subject` has used up `rule`, without counting. */
  assertWithin(rule: RateLimitRule, subject: string): Promise<void>;
  /**
   * Counts one use after the response, without refusing anything (e.g. a failed attempt);
   * a count already at the limit stays there.
   */
  hit(rule: RateLimitRule, subject: string): void;
  /**
   * The uses as statements for the caller's write batch on `batchDb` (the client that runs
   * the batch): the limits hold exactly, and cost no round trip of their own. D1 rules only.
   */
  inBatch(batchDb: Database, uses: readonly RateLimitUse[]): Promise<BatchedRateLimits>;
}

interface Window {
  key: string;
  resetsAt: number;
}

async function currentWindow(rule: RateLimitRule, subject: string, now: number): Promise<Window> {
  const windowMs = rule.windowSeconds * 1000;
  const start = Math.floor(now / windowMs) * windowMs;
  // Subjects are phones and addresses: the table keeps only a hash of them.
  const subjectHash = (await sha256Hex(subject)).slice(0, 32);
  return { key: `${rule.name}:${subjectHash}:${start}`, resetsAt: start + windowMs };
}

function rateLimited(retryAfterMs: number): ApiError {
  return new ApiError("rate_limited", "Too many requests; try again later.", {
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

function edgeOnly(rule: RateLimitRule, method: string): Error {
  return new Error(`rate limit ${rule.name} is counted at the edge, which has no ${method}`);
}

export interface RateLimiterDeps {
  /** Counters are read and written on the primary: a replica's count may be behind. */
  db: Database;
  /** For the counts after the response (`hit`), which are none of the request's round trips; `db` if not given. */
  deferredDb?: Database;
  bindings: Bindings;
  /** Work to finish after the response (the request's waitUntil). */
  defer: (work: Promise<unknown>) => void;
  clock?: () => number;
}

export function rateLimiter(deps: RateLimiterDeps): RateLimiter {
  const { db, bindings, defer, clock = Date.now } = deps;
  const deferredDb = deps.deferredDb ?? db;
  const counters = rateLimitCounters;

  /** Counts one use unless the window is used up: returns the new count, or no row. */
  const countWithin = (rule: RateLimitRule, window: Window) =>
    db
      .insert(counters)
      .values({ key: window.key, count: 1, expiresAt: window.resetsAt })
      .onConflictDoUpdate({
        target: counters.key,
        set: { count: sql`${counters.count} + 1` },
        setWhere: sql`${counters.count} < ${rule.limit}`,
      })
      .returning({ count: counters.count });

  const giveBack = (window: Window) =>
    db
      .update(counters)
      .set({ count: sql`${counters.count} - 1` })
      .where(sql`${counters.key} = ${window.key} and ${counters.count} > 0`);

  const atEdge = async (rule: RateLimitRule, subject: string) => {
    if (!rule.edgeBinding) throw new Error(`rate limit ${rule.name} has no edge binding`);
    const { success } = await bindings[rule.edgeBinding].limit({ key: `${rule.name}:${subject}` });
    return success;
  };

  const consumeAll = async (uses: readonly RateLimitUse[]): Promise<RateLimitReceipt> => {
    const now = clock();
    const edgeUses = uses.filter(([rule]) => rule.edgeBinding);
    const d1Uses = await Promise.all(
      uses
        .filter(([rule]) => !rule.edgeBinding)
        .map(async ([rule, subject]) => ({
          rule,
          window: await currentWindow(rule, subject, now),
        })),
    );
    const [edgeResults, d1Results] = await Promise.all([
      Promise.all(edgeUses.map(([rule, subject]) => atEdge(rule, subject))),
      d1Uses.length === 0
        ? Promise.resolve([])
        : db.batch(
            d1Uses.map(({ rule, window }) => countWithin(rule, window)) as [
              ReturnType<typeof countWithin>,
            ],
          ),
    ]);
    const counted = d1Uses.filter((_, i) => (d1Results[i]?.length ?? 0) > 0);
    let refunded = false;
    const refund = async () => {
      if (refunded || counted.length === 0) return;
      refunded = true;
      await db.batch(
        counted.map(({ window }) => giveBack(window)) as [ReturnType<typeof giveBack>],
      );
    };
    const refusedAtEdge = edgeUses.filter((_, i) => !edgeResults[i]);
    const refusedInD1 = d1Uses.filter((_, i) => (d1Results[i]?.length ?? 0) === 0);
    if (refusedAtEdge.length === 0 && refusedInD1.length === 0) return { refund };
    // A refused use is not counted anywhere: give back what the other limits counted.
    await refund();
    const waits = [
      ...refusedAtEdge.map(([rule]) => rule.windowSeconds * 1000),
      ...refusedInD1.map(({ window }) => window.resetsAt - now),
    ];
    throw rateLimited(Math.max(...waits));
  };

  const hit = (rule: RateLimitRule, subject: string) => {
    const now = clock();
    if (rule.edgeBinding) {
      defer(atEdge(rule, subject));
      return;
    }
    defer(
      currentWindow(rule, subject, now).then((window) =>
        deferredDb
          .insert(counters)
          .values({ key: window.key, count: 1, expiresAt: window.resetsAt })
          .onConflictDoUpdate({
            target: counters.key,
            set: { count: sql`${counters.count} + 1` },
            setWhere: sql`${counters.count} < ${rule.limit}`,
          })
          .run(),
      ),
    );
  };

  return {
    consumeAll,
    hit,
    async inBatch(batchDb, uses) {
      const now = clock();
      const windows = await Promise.all(
        uses.map(async ([rule, subject]) => {
          if (rule.edgeBinding) throw edgeOnly(rule, "count inside a batch");
          return { rule, window: await currentWindow(rule, subject, now) };
        }),
      );
      return {
        statements: windows.map(({ rule, window }) =>
          batchDb
            .insert(counters)
            .values({
              key: window.key,
              count: 1,
              expiresAt: window.resetsAt,
              maxCount: rule.limit,
            })
            .onConflictDoUpdate({
              target: counters.key,
              set: { count: sql`${counters.count} + 1`, maxCount: rule.limit },
            }),
        ),
        refusal(error) {
          if (violatedConstraint(error) !== PAST_LIMIT_CONSTRAINT) return null;
          // D1 does not say which counter: the longest wait of them all.
          return rateLimited(Math.max(...windows.map(({ window }) => window.resetsAt - now)));
        },
        countAfterResponse() {
          for (const [rule, subject] of uses) hit(rule, subject);
        },
      };
    },
    async consume(rule, subject) {
      await consumeAll([[rule, subject]]);
    },
    async assertWithin(rule, subject) {
      if (rule.edgeBinding) throw edgeOnly(rule, "check without counting");
      const now = clock();
      const window = await currentWindow(rule, subject, now);
      const row = await db
        .select({ count: counters.count })
        .from(counters)
        .where(eq(counters.key, window.key))
        .get();
      if ((row?.count ?? 0) >= rule.limit) throw rateLimited(window.resetsAt - now);
    },
  };
}

/** The rate limiter of a request: counters on the D1 primary, edge bindings from its env. */
export function rateLimiterFor(c: Context<AppEnv>): RateLimiter {
  return rateLimiter({
    db: c.var.primaryDb,
    deferredDb: createDb(c.env.DB),
    bindings: c.env,
    defer: (work) => c.executionCtx.waitUntil(work),
  });
}

/** Deletes counters whose window is over, at most `limit` per call; how many it deleted. */
export async function purgeExpiredRateLimitCounters(db: Database, now: number, limit: number) {
  const result = await db.run(sql`delete from ${rateLimitCounters} where rowid in (
    select rowid from ${rateLimitCounters} where ${rateLimitCounters.expiresAt} <= ${now} limit ${limit})`);
  return result.meta.changes;
}

/**
 * The rate-limit subject of a client address: an IPv4 address as it is, an IPv6 address
 * as its /64 (one subscriber usually gets a whole /64, so per-address limits would not
 * hold), in one spelling whatever the compression, case or zone. IPv4-mapped IPv6 is the
 * IPv4 address. Anything else (e.g. "unknown") is returned trimmed and lowercased.
 *
 * @example ipSubject("2001:DB8:0:0:1::7") // "2001:db8:0:0::/64"
 */
export function ipSubject(address: string): string {
  const text = address.trim().toLowerCase().replace(/%.*$/, "");
  if (!text.includes(":")) return text;
  const groups = ipv6Groups(text);
  if (!groups) return text;
  const [a, b, c, d, e, f, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) {
    return [g >> 8, g & 0xff, h >> 8, h & 0xff].join(".");
  }
  return `${[a, b, c, d].map((group) => (group ?? 0).toString(16)).join(":")}::/64`;
}
