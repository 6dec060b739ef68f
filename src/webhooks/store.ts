import { and, desc, eq, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../db/schema";
import { claimable } from "../platform/outbox";
import { FAILURES_TO_DEACTIVATE, WEBHOOK_EVENT_RETENTION_MS } from "./rules";

const endpointColumns = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  events: webhookEndpoints.events,
  description: webhookEndpoints.description,
  active: webhookEndpoints.active,
  consecutiveFailures: webhookEndpoints.consecutiveFailures,
  createdAt: webhookEndpoints.createdAt,
};

export interface NewEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  createdAt: number;
}

export function insertEndpoint(db: Database, endpoint: NewEndpoint) {
  return db.insert(webhookEndpoints).values({ ...endpoint, active: true });
}

export async function findEndpoint(db: Database, id: string) {
  return db.select(endpointColumns).from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
}

export type EndpointRecord = NonNullable<Awaited<ReturnType<typeof findEndpoint>>>;

export async function listEndpoints(
  db: Database,
  page: { limit: number; beforeId?: string | undefined },
) {
  return db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(before(webhookEndpoints.id, page.beforeId))
    .orderBy(desc(webhookEndpoints.id))
    .limit(page.limit + 1)
    .all();
}

export function updateEndpoint(
  db: Database,
  id: string,
  changes: Partial<{
    url: string;
    events: string[];
    active: boolean;
    description: string | null;
    secret: string;
  }>,
) {
  // Switching an endpoint back on gives it a fresh run of 20 before it is switched off again.
  const reset = changes.active === true ? { consecutiveFailures: 0 } : {};
  return db
    .update(webhookEndpoints)
    .set({ ...changes, ...reset })
    .where(eq(webhookEndpoints.id, id));
}

/** "This endpoint exists", as a condition for another statement of a batch. */
export const endpointExists = (id: string) =>
  sql`exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${id})`;

export function deleteEndpoint(db: Database, id: string) {
  return db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
}

const deliveryColumns = {
  id: webhookDeliveries.id,
  eventId: webhookDeliveries.eventId,
  eventType: webhookEvents.type,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastError: webhookDeliveries.lastError,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
};

export async function listDeliveries(
  db: Database,
  endpointId: string,
  page: { limit: number; beforeId?: string | undefined },
) {
  return db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        before(webhookDeliveries.id, page.beforeId),
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit + 1)
    .all();
}

export async function deliveryExists(db: Database, delivery: { id: string; endpointId: string }) {
  const row = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, delivery.id),
        eq(webhookDeliveries.endpointId, delivery.endpointId),
      ),
    )
    .get();
  return row !== undefined;
}

/** Queues a delivery (whatever became of it) for another attempt now. */
export function requeueDelivery(
  db: Database,
  delivery: { id: string; endpointId: string; now: number },
) {
  return db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: delivery.now })
    .where(
      and(
        eq(webhookDeliveries.id, delivery.id),
        eq(webhookDeliveries.endpointId, delivery.endpointId),
      ),
    );
}

/** Which deliveries a claim takes: a condition on `webhook_deliveries`. */
export const deliveriesOfEvents = (eventIds: string[]) =>
  inArray(webhookDeliveries.eventId, eventIds);
export const deliveryById = (id: string) => eq(webhookDeliveries.id, id);
export const dueDeliveries = (now: number) => lte(webhookDeliveries.nextAttemptAt, now);

/**
 * Takes up to `limit` deliveries for an attempt each — those of `which` that are still
 * pending, unheld and of an active endpoint, first written first — with everything the
 * attempts need to sign and send them: one statement, so a request's events cost one round
 * trip to claim however many there are. Two claimers never take the same delivery.
 */
export async function claimDeliveries(
  db: Database,
  claim: { which: SQL; now: number; lockMs: number; limit: number },
) {
  const endpoint = (column: string) =>
    sql.raw(`(select ${column} from webhook_endpoints where webhook_endpoints.id = endpoint_id)`);
  const event = (column: string) =>
    sql.raw(`(select ${column} from webhook_events where webhook_events.id = event_id)`);
  const claimed = await db
    .update(webhookDeliveries)
    .set({ lockedUntil: claim.now + claim.lockMs })
    .where(
      sql`${webhookDeliveries}.rowid in (
        select rowid from ${webhookDeliveries}
        where ${and(
          claim.which,
          claimable(webhookDeliveries, "pending", claim.now),
          sql`${endpoint("active")} = 1`,
        )}
        order by rowid limit ${claim.limit})`,
    )
    .returning({
      position: sql<number>`rowid`,
      id: webhookDeliveries.id,
      endpointId: webhookDeliveries.endpointId,
      attempts: webhookDeliveries.attempts,
      url: sql<string>`${endpoint("url")}`,
      secret: sql<string>`${endpoint("secret")}`,
      eventId: webhookDeliveries.eventId,
      eventType: sql<string>`${event("type")}`,
      data: sql<string>`${event("data")}`,
      eventCreatedAt: sql<number>`${event("created_at")}`,
    })
    .all();
  // RETURNING promises no order: the events' order is the rows' order.
  return claimed.sort((a, b) => a.position - b.position);
}

export type ClaimedDelivery = Awaited<ReturnType<typeof claimDeliveries>>[number];

/** What one attempt at a delivery came to, to be recorded. */
export type AttemptRecord =
  | { delivered: true; id: string; endpointId: string; attempts: number; statusCode: number }
  | {
      delivered: false;
      id: string;
      endpointId: string;
      attempts: number;
      statusCode: number | null;
      error: string;
      /** Null when this was the last attempt: the delivery has failed for good. */
      nextAttemptAt: number | null;
      /** This attempt used up the schedule: one more for the endpoint's run of failures. */
      countsAsFailure: boolean;
    };

/**
 * The writes that record an attempt: the delivery's new state, and the endpoint's run of
 * failures (reset by a delivery; counted, and past FAILURES_TO_DEACTIVATE deactivating the
 * endpoint, by the attempt that used up a delivery's schedule).
 */
function attemptWrites(db: Database, attempt: AttemptRecord, now: number) {
  const stillPending = and(
    eq(webhookDeliveries.id, attempt.id),
    eq(webhookDeliveries.status, "pending"),
  );
  if (attempt.delivered) {
    return [
      db
        .update(webhookDeliveries)
        .set({
          status: "delivered",
          attempts: attempt.attempts,
          lastStatusCode: attempt.statusCode,
          lastError: null,
          deliveredAt: now,
          nextAttemptAt: null,
          lockedUntil: null,
        })
        .where(stillPending),
      db
        .update(webhookEndpoints)
        .set({ consecutiveFailures: 0 })
        .where(eq(webhookEndpoints.id, attempt.endpointId)),
    ];
  }
  const gaveUp = attempt.nextAttemptAt === null;
  const update = db
    .update(webhookDeliveries)
    .set({
      status: gaveUp ? "failed" : "pending",
      attempts: attempt.attempts,
      lastStatusCode: attempt.statusCode,
      lastError: attempt.error,
      nextAttemptAt: attempt.nextAttemptAt,
      lockedUntil: null,
    })
    .where(stillPending);
  if (!attempt.countsAsFailure) return [update];
  return [
    update,
    db
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        active: sql`case when ${webhookEndpoints.consecutiveFailures} + 1 >= ${FAILURES_TO_DEACTIVATE} then 0 else ${webhookEndpoints.active} end`,
      })
      .where(eq(webhookEndpoints.id, attempt.endpointId)),
  ];
}

/** Records attempts, in the order they were made, in one batch. */
export async function recordAttempts(db: Database, attempts: AttemptRecord[], now: number) {
  const [first, ...rest] = attempts.flatMap((attempt) => attemptWrites(db, attempt, now));
  if (first) await db.batch([first, ...rest]);
}

/**
 * Deletes events older than the retention with nothing left to send (their deliveries go
 * with them), oldest first, at most `limit` a run.
 */
export async function purgeOldEvents(db: Database, now: number, limit: number) {
  const result = await db.run(sql`
    delete from ${webhookEvents} where ${webhookEvents.id} in (
      select e.id from ${webhookEvents} e
       where e.created_at <= ${now - WEBHOOK_EVENT_RETENTION_MS}
         and not exists (select 1 from ${webhookDeliveries} d where d.event_id = e.id and d.status = 'pending')
       order by e.created_at limit ${limit})`);
  return result.meta.changes;
}
