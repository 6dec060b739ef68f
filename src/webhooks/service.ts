import type { SQL } from "drizzle-orm";
import type { Config } from "../config";
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { toIso, toIsoOrNull } from "../lib/time";
import { auditEntry } from "../platform/audit";
import type { Deps, EventDeps } from "../platform/deps";
import { webhookEventStatements } from "./outbox";
import {
  attemptOutcome,
  attemptsAfter,
  claimLockMs,
  DELIVERIES_PER_CLAIM,
  DELIVERY_TIMEOUT_MS,
  deliveryBody,
  endpointUrlProblem,
  failedAttempt,
  newWebhookSecret,
  webhookSignature,
} from "./rules";
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDeliveries,
  deleteEndpoint,
  deliveriesOfEvents,
  deliveryById,
  deliveryExists,
  dueDeliveries,
  type EndpointRecord,
  endpointExists,
  findEndpoint,
  insertEndpoint,
  listDeliveries,
  purgeOldEvents,
  recordAttempts,
  requeueDelivery,
  updateEndpoint,
} from "./store";

export interface WebhookDeps extends Pick<Deps, "db"> {
  /** Injected by tests of single attempts; the Worker's own fetch otherwise. */
  fetcher?: typeof fetch;
  timeoutMs?: number;
}

export function toEndpointView(endpoint: EndpointRecord) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    active: endpoint.active,
    consecutiveFailures: endpoint.consecutiveFailures,
    createdAt: toIso(endpoint.createdAt),
  };
}

export function toDeliveryView(delivery: Awaited<ReturnType<typeof listDeliveries>>[number]) {
  return {
    ...delivery,
    nextAttemptAt: delivery.status === "pending" ? toIsoOrNull(delivery.nextAttemptAt) : null,
    deliveredAt: toIsoOrNull(delivery.deliveredAt),
    createdAt: toIso(delivery.createdAt),
  };
}

function checkUrl(url: string, config: Config) {
  const problem = endpointUrlProblem(url, config.environment);
  if (problem) {
    throw new ApiError("validation_error", "The request is not valid.", {
      details: [{ path: "url", message: problem }],
    });
  }
}

async function endpointById(db: Database, id: string) {
  const endpoint = await findEndpoint(db, id);
  if (!endpoint) throw new ApiError("not_found", `No webhook endpoint ${id} exists.`);
  return endpoint;
}

function audit(
  db: Database,
  at: number,
  actorId: string,
  action: string,
  id: string,
  details = {},
  onlyIf?: SQL,
) {
  return auditEntry(db, {
    actorId,
    action: `webhook.${action}`,
    targetType: "webhook",
    targetId: id,
    details,
    at,
    ...(onlyIf ? { onlyIf } : {}),
  });
}

export async function createEndpoint(
  { db, config }: Pick<Deps, "db" | "config">,
  actorId: string,
  input: { url: string; events: string[]; description?: string | undefined },
  now: number,
) {
  checkUrl(input.url, config);
  const endpoint = {
    id: newId("whk", now),
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    secret: newWebhookSecret(),
    createdAt: now,
  };
  const { secret, ...shown } = endpoint;
  await db.batch([
    insertEndpoint(db, endpoint),
    audit(db, now, actorId, "create", endpoint.id, shown),
  ]);
  return { webhook: toEndpointView({ ...shown, active: true, consecutiveFailures: 0 }), secret };
}

export async function changeEndpoint(
  { db, config }: Pick<Deps, "db" | "config">,
  actorId: string,
  id: string,
  changes: {
    url?: string | undefined;
    events?: string[] | undefined;
    active?: boolean | undefined;
    description?: string | undefined;
  },
  now: number,
) {
  if (changes.url !== undefined) checkUrl(changes.url, config);
  const before = await endpointById(db, id);
  const defined = Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  );
  // Nothing to change is not an action: no write, no audit row.
  if (Object.keys(defined).length === 0) return toEndpointView(before);
  await db.batch([
    updateEndpoint(db, id, defined),
    audit(db, now, actorId, "update", id, { before: toEndpointView(before), changes: defined }),
  ]);
  return toEndpointView(await endpointById(db, id));
}

/** Of parallel deletions one takes effect and is audited; the others are a 404. */
export async function removeEndpoint(db: Database, actorId: string, id: string, now: number) {
  const endpoint = await endpointById(db, id);
  const [, deleted] = await db.batch([
    audit(db, now, actorId, "delete", id, { url: endpoint.url }, endpointExists(id)),
    deleteEndpoint(db, id),
  ]);
  if (deleted.meta.changes === 0)
    throw new ApiError("not_found", `No webhook endpoint ${id} exists.`);
}

/** A new secret; deliveries signed from now on use it, so the old one stops verifying. */
export async function rotateSecret(db: Database, actorId: string, id: string, now: number) {
  await endpointById(db, id);
  const secret = newWebhookSecret();
  await db.batch([
    updateEndpoint(db, id, { secret }),
    audit(db, now, actorId, "rotate_secret", id),
  ]);
  return { secret };
}

/** Queues a `webhook.test` event for this endpoint alone; sent after the response. */
export async function sendTestEvent(deps: EventDeps, actorId: string, id: string, now: number) {
  const { db } = deps;
  await endpointById(db, id);
  await db.batch([
    audit(db, now, actorId, "test", id),
    ...webhookEventStatements(deps, { type: "webhook.test", data: {}, now, endpointId: id }),
  ]);
}

export async function endpointDeliveries(
  db: Database,
  id: string,
  page: { limit: number; beforeId?: string | undefined },
) {
  await endpointById(db, id);
  return listDeliveries(db, id, page);
}

/** Queues one delivery for another attempt now (the caller sends it after the response). */
export async function retryDelivery(
  db: Database,
  actorId: string,
  endpointId: string,
  deliveryId: string,
  now: number,
) {
  await endpointById(db, endpointId);
  if (!(await deliveryExists(db, { id: deliveryId, endpointId }))) {
    throw new ApiError("not_found", `No delivery ${deliveryId} of webhook ${endpointId} exists.`);
  }
  await db.batch([
    requeueDelivery(db, { id: deliveryId, endpointId, now }),
    audit(db, now, actorId, "retry", endpointId, { deliveryId }),
  ]);
}

/** One attempt: sign and send a claimed delivery, and say what came of it (no D1). */
async function attempt(
  deps: WebhookDeps,
  delivery: ClaimedDelivery,
  now: number,
): Promise<AttemptRecord> {
  const body = deliveryBody({
    id: delivery.eventId,
    type: delivery.eventType,
    createdAt: delivery.eventCreatedAt,
    data: delivery.data,
  });
  // The signature's timestamp is the moment of sending: receivers compare it with their clock.
  const timestamp = Math.floor(Date.now() / 1000);
  let result: { status: number } | { error: unknown };
  try {
    const response = await (deps.fetcher ?? fetch)(delivery.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "webhook-id": delivery.eventId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await webhookSignature(delivery.secret, {
          id: delivery.eventId,
          timestamp,
          body,
        }),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    result = { status: response.status };
    // The body is not needed; not reading it would hold the connection open.
    await response.body?.cancel();
  } catch (error) {
    result = { error };
  }
  const outcome = attemptOutcome(result);
  const { id, endpointId } = delivery;
  if (outcome.delivered) {
    const attempts = attemptsAfter(delivery.attempts);
    return { delivered: true, id, endpointId, attempts, statusCode: outcome.statusCode };
  }
  return {
    delivered: false,
    id,
    endpointId,
    statusCode: outcome.statusCode,
    error: outcome.error,
    ...failedAttempt(delivery.attempts, now),
  };
}

function resultOf(record: AttemptRecord) {
  if (record.delivered) return "delivered" as const;
  return record.nextAttemptAt === null ? ("failed" as const) : ("retrying" as const);
}

/**
 * Claims up to `limit` deliveries of `which` and attempts them: one at a
 * time per endpoint (so each endpoint sees its events in order), endpoints side by side
 * (so one slow receiver delays no other). Their outcomes are recorded together in one
 * batch: two D1 round trips for the lot, not two per delivery. Safe to run from the
 * request (waitUntil) and the retry job at once: only the claimer of a delivery sends it.
 * Never throws for a receiver's failure: it is recorded with its next attempt, or as
 * `failed` after the last.
 */
async function deliverClaimed(
  deps: WebhookDeps,
  which: SQL,
  now: number,
  limit = DELIVERIES_PER_CLAIM,
) {
  const claimed = await claimDeliveries(deps.db, {
    which,
    now,
    lockMs: claimLockMs(limit),
    limit,
  });
  const byEndpoint = new Map<string, ClaimedDelivery[]>();
  for (const delivery of claimed) {
    byEndpoint.set(delivery.endpointId, [...(byEndpoint.get(delivery.endpointId) ?? []), delivery]);
  }
  const records = (
    await Promise.all(
      [...byEndpoint.values()].map(async (queue) => {
        const done: AttemptRecord[] = [];
        for (const delivery of queue) done.push(await attempt(deps, delivery, now));
        return done;
      }),
    )
  ).flat();
  // The clock, not `now`: sending took up to a timeout per delivery, and `deliveredAt`
  // says when it was delivered.
  await recordAttempts(deps.db, records, Date.now());
  return { claimed: claimed.length, results: records.map(resultOf) };
}

/**
 * Everything of `which` that can be claimed, DELIVERIES_PER_CLAIM at a time, up to
 * `limit`; the outcome counts.
 */
async function deliverAll(deps: WebhookDeps, which: SQL, now: number, limit = Infinity) {
  const outcomes = { delivered: 0, retrying: 0, failed: 0 };
  let taken = 0;
  while (taken < limit) {
    const { claimed, results } = await deliverClaimed(deps, which, now);
    for (const result of results) outcomes[result] += 1;
    taken += claimed;
    if (claimed < DELIVERIES_PER_CLAIM) break;
  }
  return outcomes;
}

/** One attempt at one delivery (an admin's retry), unless someone else holds it. */
export async function deliverWebhook(deps: WebhookDeps, deliveryId: string, now: number) {
  const { results } = await deliverClaimed(deps, deliveryById(deliveryId), now, 1);
  return results[0] ?? ("skipped" as const);
}

/**
 * After a response: the first attempt at the deliveries of the events its batches wrote.
 * Events whose batch failed left no deliveries, so nothing is sent for them.
 */
export async function sendEmittedWebhooks(deps: WebhookDeps & Pick<Deps, "outbox">, now: number) {
  const eventIds = deps.outbox.drain();
  if (eventIds.length === 0) return;
  await deliverAll(deps, deliveriesOfEvents(eventIds), now);
}

/** The scheduled retry pass: due deliveries, in event order, bounded per run. */
export async function retryDueWebhooks(deps: WebhookDeps, now: number, limit = 100) {
  return deliverAll(deps, dueDeliveries(now), now, limit);
}

/** Hourly: the first attempt at events the hourly jobs wrote, and the purge of old events. */
export async function hourlyWebhookWork(deps: WebhookDeps & Pick<Deps, "outbox">, now: number) {
  await sendEmittedWebhooks(deps, now);
  return { purgedEvents: await purgeOldEvents(deps.db, now, 500) };
}
