import type { Database } from "../db/client";
import type { ClickMessage } from "./service";
import { insertClicks } from "./store";

/**
 * The `CLICKS` queue's consumer: a batch (up to 100 clicks, ~1 s) becomes one D1 batch.
 * If it fails, nothing of it is stored (a D1 batch is one transaction) and the queue
 * delivers it again; storing is idempotent, so a click delivered twice counts once. After
 * `max_retries` its clicks go to the dead-letter queue rather than block the ones behind.
 */
export async function consumeClicks(db: Database, batch: MessageBatch<ClickMessage>) {
  try {
    await insertClicks(
      db,
      batch.messages.map((message) => message.body),
    );
    batch.ackAll();
  } catch (error) {
    console.error("clicks not stored; the queue retries them", error);
    batch.retryAll();
  }
}
