/**
 * The transactional outbox: every write path appends `webhookEventStatements` to its own
 * batch, so an event exists exactly when the change it describes was committed, and its
 * deliveries are fanned out to the subscribed endpoints by the same batch, in SQL — no
 * read of the endpoints before the write. With no endpoint subscribed nothing is written.
 */
import { SQL, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "../db/schema";
import { newId } from "../lib/ids";
import type { EventDeps } from "../platform/deps";
import { FIRST_RETRY_AFTER_MS, type WebhookEventType } from "./rules";

export interface WebhookEventInput {
  type: WebhookEventType;
  /** The event's `data`: a JSON value, or SQL evaluating to JSON text when the batch runs. */
  data: unknown;
  now: number;
  /** Emit only if this holds when the batch runs, e.g. the row the event describes was written. */
  onlyIf?: SQL;
  /** Deliver to this endpoint alone, whatever it subscribes to (`webhook.test`). */
  endpointId?: string;
}

/** The endpoints an event goes to, as a condition on `webhook_endpoints`. */
function subscribers(event: WebhookEventInput): SQL {
  if (event.endpointId !== undefined) return sql`${webhookEndpoints.id} = ${event.endpointId}`;
  return sql`${webhookEndpoints.active} = 1 and exists (
    select 1 from json_each(${webhookEndpoints.events}) where value in ('*', ${event.type}))`;
}

/**
 * The statements that record one event and queue it for every endpoint subscribed to it:
 * append them to the batch of the change the event describes (both or neither). The event
 * is added to `outbox`, whose events are sent once the request or job is done.
 *
 * @example
 * await db.batch([
 *   insertUser(db, user),
 *   ...webhookEventStatements({ db, outbox }, { type: "user.created", data: toUser(user, config), now }),
 * ]);
 */
export function webhookEventStatements({ db, outbox }: EventDeps, event: WebhookEventInput) {
  const id = newId("evt", event.now);
  const data = event.data instanceof SQL ? event.data : JSON.stringify(event.data);
  outbox.add([id]);
  // Insert-selects list every column, in table order.
  return [
    db.insert(webhookEvents).select(sql`
      select ${id}, ${event.type}, ${data}, ${event.now}
       where exists (select 1 from ${webhookEndpoints} where ${subscribers(event)})
         and ${event.onlyIf ?? sql`1`}`),
    // Delivery ids start with their event's time, so that newest-first lists read naturally.
    db.insert(webhookDeliveries).select(sql`
      select 'dlv_' || substr(${id}, 5, 10) || lower(hex(randomblob(9))), ${id}, ${webhookEndpoints.id},
             'pending', 0, null, null, ${event.now + FIRST_RETRY_AFTER_MS}, null, null, ${event.now}
        from ${webhookEndpoints}
       where ${subscribers(event)}
         and exists (select 1 from ${webhookEvents} where ${webhookEvents.id} = ${id})`),
  ];
}
