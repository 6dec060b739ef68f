import { type Column, lt, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { RequestMetrics } from "../platform/metrics";

/** What queries need of D1: the binding itself or one of its sessions (read replication). */
export type D1Client = Pick<D1Database, "prepare" | "batch">;

/** Drizzle over D1; `$client` is the D1 binding (or session) underneath, for plain statements. */
export type Database = DrizzleD1Database & { $client: D1Client };

export function createDb(d1: D1Client): Database {
  // Drizzle's D1 driver only calls prepare() and batch(), which sessions have too. No
  // `schema`: nothing uses relational queries (`db.query.…`), and with a schema Drizzle
  // works out every table's relations again for each request's instance (a CPU profile of
  // signups showed it).
  return drizzle(d1 as D1Database);
}

/**
 * Statements that must hold before a write's batch changes anything (the server key that
 * calls still live, rate-limit counts within their limits): they go first in the batch, so
 * that their refusal is the one the batch reports, and one that fails fails it all.
 */
export type BatchGuards = readonly BatchItem<"sqlite">[];

type Batch = [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

/** A write's statements behind its `guards`, as `db.batch` takes them. */
export function behindGuards(guards: BatchGuards | undefined, statements: Readonly<Batch>): Batch {
  return [...(guards ?? []), ...statements] as Batch;
}

/**
 * The condition for the page after a cursor in a newest-first list: rows before
 * `position`, or no condition on the first page.
 */
export function before(column: Column, position: string | number | undefined): SQL | undefined {
  return position === undefined ? undefined : lt(column, position);
}

/**
 * D1 reports constraint failures only as text ("UNIQUE constraint failed: users.phone").
 * This is the one place that reads it, so that callers can map a named constraint to a
 * domain error instead of a 500.
 */
export function violatedConstraint(error: unknown): string | null {
  const text = errorText(error);
  const unique = /UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(text);
  if (unique?.[1]) return unique[1];
  const check = /CHECK constraint failed: (\w+)/.exec(text);
  return check?.[1] ?? null;
}

/** What the erased-user triggers (src/db/triggers.ts) raise when a write names an erased user. */
const ERASED_USER_REFUSAL = "erased_user:";

/**
 * Whether D1 refused a batch because it would write something new for an erased user
 * (a trigger of src/db/triggers.ts): a request that read the user before the erasure
 * committed. The Worker answers it as 404 not_found (src/app.ts); loops that plan again
 * from a fresh read (signup, qualification) treat it as a stale snapshot.
 */
export function isErasedUserRefusal(error: unknown): boolean {
  return errorText(error).includes(ERASED_USER_REFUSAL);
}

/** The CHECK that a write's batch fails when its server key was revoked (`serverKeyGuard`). */
const SERVER_KEY_REVOKED = "server_key_revoked";

/**
 * Whether D1 refused a batch because the server key that called was revoked after the
 * request checked it (src/credentials/server-keys.ts, `serverKeyGuard`): the batch wrote
 * nothing. The Worker answers it 401 unauthorized (src/app.ts), as it does a revoked key.
 */
export function isServerKeyRefusal(error: unknown): boolean {
  return violatedConstraint(error) === SERVER_KEY_REVOKED;
}

/** An error's message with those of its causes (D1 nests the SQLite error in `cause`). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` ${errorText(error.cause)}` : "";
  return `${error.message}${cause}`;
}

/**
 * Counts a D1 call that starts now: a new round trip when nothing is in flight, and a
 * primary one the first time a call of this round trip goes to the primary; nothing once
 * the request has been answered. Returns what to
 * call when it ends.
 */
function startD1Call(metrics: RequestMetrics, toPrimary: boolean): () => void {
  const { inFlight } = metrics;
  if (metrics.answered) return () => {};
  if (inFlight.calls === 0) {
    metrics.roundTrips += 1;
    inFlight.primary = false;
  }
  inFlight.calls += 1;
  if (toPrimary && !inFlight.primary) {
    inFlight.primary = true;
    metrics.primaryRoundTrips += 1;
  }
  return () => {
    inFlight.calls -= 1;
  };
}

/** Whether a statement writes: what D1 always sends to the primary. */
export function writesData(query: string): boolean {
  const text = query.trimStart().toLowerCase();
  return (
    /^(insert|update|delete|replace)\b/.test(text) ||
    (text.startsWith("with") && /\b(insert|update|delete|replace)\s/.test(text))
  );
}

/**
 * Where a client's calls go: `primary`, the binding without a session (always the primary);
 * `first-primary`, a session whose first call goes to the primary and the rest to any
 * replica that has caught up; `replica`, a session that may read from any replica
 * (first-unconstrained, or a client's bookmark). Writes go to the primary whatever it is.
 */
export type D1Routing = "primary" | "first-primary" | "replica";

/**
 * Wraps the D1 binding (or a session) so that each call is added to `meter`: its round
 * trip (sequential or overlapping, to the primary or not: see `startD1Call` and `D1Routing`)
 * and each statement's `meta` (every request is metered for its log line). `raw()` — what
 * Drizzle uses for most selects — carries no meta: it is counted as a query, and its rows
 * only with `exactReads`, which the benchmark (BENCH_METRICS=1) turns on. Then it runs as
 * `all()` turned back into arrays, which is right for the benchmarked queries but not in
 * general: a join that selects two columns of one name (e.g. two users' `name`) loses one
 * of them.
 */
export function meteredD1(
  d1: D1Client,
  meter: RequestMetrics,
  { exactReads, routing = "primary" }: { exactReads: boolean; routing?: D1Routing },
): D1Client {
  const real = new WeakMap<object, { statement: D1PreparedStatement; writes: boolean }>();
  let firstCall = true;
  const toPrimary = (writes: boolean) => {
    const first = firstCall;
    firstCall = false;
    return writes || routing === "primary" || (routing === "first-primary" && first);
  };
  const measure = async <T>(
    writes: boolean,
    work: () => Promise<T>,
    metaOf: (result: T) => D1Meta[],
  ) => {
    const end = startD1Call(meter, toPrimary(writes));
    const start = performance.now();
    try {
      const result = await work();
      for (const meta of metaOf(result)) {
        meter.queries += 1;
        meter.rowsRead += meta.rows_read ?? 0;
        meter.rowsWritten += meta.rows_written ?? 0;
      }
      return result;
    } finally {
      end();
      meter.spans.d1 = (meter.spans.d1 ?? 0) + (performance.now() - start);
    }
  };
  const wrap = (statement: D1PreparedStatement, writes: boolean): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), writes),
      first: (...options: unknown[]) =>
        measure(
          writes,
          () => (statement.first as (...args: unknown[]) => Promise<unknown>)(...options),
          () => [{} as D1Meta],
        ),
      run: () =>
        measure(
          writes,
          () => statement.run(),
          (result) => [result.meta],
        ),
      all: () =>
        measure(
          writes,
          () => statement.all(),
          (result) => [result.meta],
        ),
      raw: async (...options: unknown[]) => {
        if (!exactReads || options.length > 0) {
          return measure(
            writes,
            () => (statement.raw as (...args: unknown[]) => Promise<unknown>)(...options),
            () => [{} as D1Meta],
          );
        }
        const result = await measure(
          writes,
          () => statement.all<Record<string, unknown>>(),
          (all) => [all.meta],
        );
        return result.results.map((row) => Object.values(row));
      },
    } as unknown as D1PreparedStatement;
    real.set(wrapper, { statement, writes });
    return wrapper;
  };
  return {
    prepare: (query: string) => wrap(d1.prepare(query), writesData(query)),
    batch: (statements: D1PreparedStatement[]) => {
      meter.batches += 1;
      const unwrapped = statements.map((s) => real.get(s) ?? { statement: s, writes: true });
      return measure(
        unwrapped.some((s) => s.writes),
        () => d1.batch(unwrapped.map((s) => s.statement)),
        (results) => results.map((result) => result.meta),
      );
    },
  };
}
