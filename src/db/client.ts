import { drizzle } from "drizzle-orm/d1";
import type { Database } from "../env";
import * as schema from "./schema";

export function createDb(d1: D1Database): Database {
  return drizzle(d1, { schema });
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

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` ${errorText(error.cause)}` : "";
  return `${error.message}${cause}`;
}

/** Rows read and written by every D1 statement of one request (benchmark instrumentation). */
export interface D1Meter {
  queries: number;
  rowsRead: number;
  rowsWritten: number;
}

/**
 * Wraps the D1 binding so that each statement's `meta` is added to `meter`. Only the
 * benchmark turns this on (D1_METRICS=1): `raw()` carries no meta, so here it runs as
 * `all()` and is turned back into arrays, which is right for our queries (no duplicate
 * column names) but not a general replacement.
 */
export function meteredD1(d1: D1Database, meter: D1Meter): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const record = (meta: D1Meta) => {
    meter.queries += 1;
    meter.rowsRead += meta.rows_read ?? 0;
    meter.rowsWritten += meta.rows_written ?? 0;
  };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      first: statement.first.bind(statement),
      run: async () => {
        const result = await statement.run();
        record(result.meta);
        return result;
      },
      all: async () => {
        const result = await statement.all();
        record(result.meta);
        return result;
      },
      raw: async () => {
        const result = await statement.all<Record<string, unknown>>();
        record(result.meta);
        return result.results.map((row) => Object.values(row));
      },
    } as unknown as D1PreparedStatement;
    real.set(wrapper, statement);
    return wrapper;
  };
  return {
    prepare: (query: string) => wrap(d1.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await d1.batch(statements.map((s) => real.get(s) ?? s));
      for (const result of results) record(result.meta);
      return results;
    },
    exec: d1.exec.bind(d1),
    withSession: d1.withSession.bind(d1),
    dump: d1.dump.bind(d1),
  } as D1Database;
}
