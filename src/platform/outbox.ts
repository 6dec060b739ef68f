/**
 * What every outbox (invites, webhooks) shares: how long to wait after a failed delivery,
 * and which rows an attempt may claim. Each outbox keeps its own table and sender.
 */
import { and, type Column, isNull, lte, or, type SQL, sql } from "drizzle-orm";

export interface RetrySchedule {
  /** After this many failed attempts the row is `failed`. */
  maxAttempts: number;
  /** The wait after the first failure; each further failure doubles it… */
  firstDelayMs: number;
  /** …up to this. */
  maxDelayMs: number;
}

/**
 * How long to wait after the `attempts`-th failed delivery; null once the attempts are
 * used up.
 *
 * @example retryDelayMs(3, { maxAttempts: 6, firstDelayMs: 60_000, maxDelayMs: 3_600_000 }) // 240_000
 */
export function retryDelayMs(attempts: number, schedule: RetrySchedule): number | null {
  if (attempts >= schedule.maxAttempts) return null;
  return Math.min(schedule.firstDelayMs * 2 ** (attempts - 1), schedule.maxDelayMs);
}

/**
 * The condition for taking a row for one delivery attempt: still waiting, and nobody holds
 * it (or their hold ran out). Used in an `UPDATE … SET locked_until` so that the request
 * that wrote the row and the retry job can never both send it.
 */
export function claimable(
  row: { status: Column; lockedUntil: Column },
  waitingStatus: string,
  now: number,
): SQL | undefined {
  return and(
    sql`${row.status} = ${waitingStatus}`,
    or(isNull(row.lockedUntil), lte(row.lockedUntil, now)),
  );
}

/**
 * The webhook events a request (or a job) wrote, to be sent once it is done. Each request
 * gets its own in its variables (`c.var.outbox`), each job run makes one: nothing is kept
 * between requests. Ids are added when the statements are built, before the batch runs;
 * an event whose batch failed has no deliveries, so draining it sends nothing.
 */
export interface Outbox {
  add(ids: readonly string[]): void;
  /** The ids added so far, forgetting them. */
  drain(): string[];
}

export function newOutbox(): Outbox {
  let ids: string[] = [];
  return {
    add: (more) => {
      ids.push(...more);
    },
    drain: () => {
      const drained = ids;
      ids = [];
      return drained;
    },
  };
}
