import { createMiddleware } from "hono/factory";

/**
 * Per-request measurements: D1 round trips, statements, rows read and written (from each
 * statement's `meta`), and named spans such as the password hash. Every request's log line
 * carries the D1 part; the benchmark (BENCH_METRICS=1) also gets it all back as `X-D1-Rows`,
 * `X-D1-Trips` and `Server-Timing` headers, which production never sends.
 */
export interface RequestMetrics {
  /** D1 round trips that wrote atomically: each `batch()` call. */
  batches: number;
  /** Statements, batched or not. */
  queries: number;
  rowsRead: number;
  rowsWritten: number;
  /**
   * Sequential D1 round trips: a call (a statement's run/all/raw/first, or a batch) that
   * starts while none of the request's D1 calls is in flight starts one; calls that start
   * while one is in flight (Promise.all) share it. The request waits for each in turn.
   */
  roundTrips: number;
  /**
   * Those of `roundTrips` that went to the primary (at least one of their calls did), by the
   * rule of `meteredD1` (src/db/client.ts): every write, every call without a session, and the first call of a
   * "first-primary" session. From South Asia each costs tens of milliseconds.
   */
  primaryRoundTrips: number;
  /**
   * Set once the handler has answered (`meterUntilAnswered`): D1 calls started after that
   * (webhooks sent after the response) are none of the request's round trips.
   */
  answered: boolean;
  /** D1 calls of the request in flight now, and whether the current round trip reached the primary. */
  inFlight: { calls: number; primary: boolean };
  spans: Record<string, number>;
}

export function newRequestMetrics(): RequestMetrics {
  return {
    batches: 0,
    queries: 0,
    rowsRead: 0,
    rowsWritten: 0,
    roundTrips: 0,
    primaryRoundTrips: 0,
    answered: false,
    inFlight: { calls: 0, primary: false },
    spans: {},
  };
}

/**
 * Installed after every other middleware, right before the routes: marks the request's
 * metrics answered when its handler returns, so that what middleware starts after the
 * response (waitUntil) is not counted as a round trip the client waited for.
 */
export const meterUntilAnswered = createMiddleware<{
  Variables: { metrics: RequestMetrics | null };
}>(async (c, next) => {
  await next();
  const metrics = c.get("metrics");
  if (metrics) metrics.answered = true;
});

/** Runs `work`, adding its wall time to `metrics.spans[name]` when metrics are on. */
export async function timed<T>(
  metrics: RequestMetrics | null,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!metrics) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    metrics.spans[name] = (metrics.spans[name] ?? 0) + (performance.now() - start);
  }
}

export function metricsHeaders(metrics: RequestMetrics): Record<string, string> {
  const spans = Object.entries(metrics.spans).map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`);
  return {
    "X-D1-Rows": `batches=${metrics.batches};queries=${metrics.queries};read=${metrics.rowsRead};written=${metrics.rowsWritten}`,
    "X-D1-Trips": `sequential=${metrics.roundTrips};primary=${metrics.primaryRoundTrips}`,
    ...(spans.length ? { "Server-Timing": spans.join(", ") } : {}),
  };
}
