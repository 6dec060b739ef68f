import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import { before } from "../db/client";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../db/schema";
import type { Database } from "../env";
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

/** A delivery to send: in event order (rowid), grouped later by endpoint. */
export interface DeliveryRef {
  id: string;
  endpointId: string;
}

/** The deliveries of these events, in the order they were written. */
export async function deliveriesOfEvents(db: Database, eventIds: string[]): Promise<DeliveryRef[]> {
  if (eventIds.length === 0) return [];
  return db
    .select({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId })
    .from(webhookDeliveries)
    .where(
      and(inArray(webhookDeliveries.eventId, eventIds), eq(webhookDeliveries.status, "pending")),
    )
    .orderBy(asc(sql`${webhookDeliveries}.rowid`))
    .all();
}

/** Pending deliveries of active endpoints whose next attempt is due, in event order. */
export async function dueDeliveries(db: Database, now: number, limit: number) {
  return db
    .select({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lte(webhookDeliveries.nextAttemptAt, now),
        eq(webhookEndpoints.active, true),
      ),
    )
    .orderBy(asc(sql`${webhookDeliveries}.rowid`))
    .limit(limit)
    .all();
}

/**
 * Takes a delivery for one attempt, if it is still pending, its endpoint is active and
 * nobody else holds it — with everything the attempt needs to sign and send it.
 */
export async function claimDelivery(db: Database, id: string, now: number, lockMs: number) {
  const endpoint = (column: string) =>
    sql.raw(`(select ${column} from webhook_endpoints where webhook_endpoints.id = endpoint_id)`);
  const event = (column: string) =>
    sql.raw(`(select ${column} from webhook_events where webhook_events.id = event_id)`);
  const claimed = await db
    .update(webhookDeliveries)
    .set({ lockedUntil: now + lockMs })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        claimable(webhookDeliveries, "pending", now),
        sql`${endpoint("active")} = 1`,
      ),
    )
    .returning({
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
    .get();
  return claimed ?? null;
}

export type ClaimedDelivery = NonNullable<Awaited<ReturnType<typeof claimDelivery>>>;

/** Delivered: and the endpoint's run of failures is over. */
export async function recordDelivered(
  db: Database,
  delivery: { id: string; endpointId: string; attempts: number; statusCode: number; now: number },
) {
  await db.batch([
    db
      .update(webhookDeliveries)
      .set({
        status: "delivered",
        attempts: delivery.attempts,
        lastStatusCode: delivery.statusCode,
        lastError: null,
        deliveredAt: delivery.now,
        nextAttemptAt: null,
        lockedUntil: null,
      })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending"))),
    db
      .update(webhookEndpoints)
      .set({ consecutiveFailures: 0 })
      .where(eq(webhookEndpoints.id, delivery.endpointId)),
  ]);
}

/**
 * A failed attempt: retried at `nextAttemptAt`, or — with none left — failed for good, which
 * counts towards switching the endpoint off (its last 20 deliveries all failed).
 */
export async function recordFailure(
  db: Database,
  delivery: {
    id: string;
    endpointId: string;
    attempts: number;
    statusCode: number | null;
    error: string;
    nextAttemptAt: number | null;
  },
) {
  const gaveUp = delivery.nextAttemptAt === null;
  const update = db
    .update(webhookDeliveries)
    .set({
      status: gaveUp ? "failed" : "pending",
      attempts: delivery.attempts,
      lastStatusCode: delivery.statusCode,
      lastError: delivery.error,
      nextAttemptAt: delivery.nextAttemptAt,
      lockedUntil: null,
    })
    .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, "pending")));
  if (!gaveUp) {
    await update.run();
    return;
  }
  await db.batch([
    update,
    db
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        active: sql`case when ${webhookEndpoints.consecutiveFailures} + 1 >= ${FAILURES_TO_DEACTIVATE} then 0 else ${webhookEndpoints.active} end`,
      })
      .where(eq(webhookEndpoints.id, delivery.endpointId)),
  ]);
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
