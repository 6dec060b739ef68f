import type { RequestMetrics } from "./metrics";

/**
 * One structured line per request, for Workers Logs (`[observability]` in wrangler.toml):
 * what ran, how it ended, how long it took and what it cost in D1. It names the route's
 * pattern (`/r/:code`), never the URL, so no code, phone, token or IP reaches the logs.
 */
export interface RequestLogLine {
  type: "request";
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  d1: {
    batches: number;
    queries: number;
    rowsRead: number;
    rowsWritten: number;
    /** Sequential round trips, and those of them to the primary (see RequestMetrics). */
    roundTrips: number;
    primaryRoundTrips: number;
  };
}

export function requestLogLine(fields: {
  requestId: string;
  method: string;
  route: string;
  status: number;
  startedAt: number;
  endedAt: number;
  metrics: RequestMetrics;
}): RequestLogLine {
  const { batches, queries, rowsRead, rowsWritten, roundTrips, primaryRoundTrips } = fields.metrics;
  return {
    type: "request",
    requestId: fields.requestId,
    method: fields.method,
    route: fields.route,
    status: fields.status,
    durationMs: Math.round((fields.endedAt - fields.startedAt) * 100) / 100,
    d1: { batches, queries, rowsRead, rowsWritten, roundTrips, primaryRoundTrips },
  };
}

/** One structured line per scheduled job run: what it did, as counts. */
export function logJob(job: string, outcome: Record<string, unknown>) {
  console.log(JSON.stringify({ type: "job", job, ...outcome }));
}
