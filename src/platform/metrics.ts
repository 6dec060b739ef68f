/**
 * Per-request measurements for the benchmark (BENCH_METRICS=1): D1 rows read and written,
 * from each statement's `meta`, and named spans such as the password hash. They leave the
 * Worker as `X-D1-Rows` and `Server-Timing` headers, which production never sends.
 */
export interface RequestMetrics {
  /** D1 round trips that wrote atomically: each `batch()` call. */
  batches: number;
  /** Statements, batched or not. */
  queries: number;
  rowsRead: number;
  rowsWritten: number;
  spans: Record<string, number>;
}

export function newRequestMetrics(): RequestMetrics {
  return { batches: 0, queries: 0, rowsRead: 0, rowsWritten: 0, spans: {} };
}

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
    ...(spans.length ? { "Server-Timing": spans.join(", ") } : {}),
  };
}
