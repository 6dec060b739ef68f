import type { ClickMessage } from "./service";

/** How long the first click of a quiet moment waits for others to share its queue call. */
export const CLICK_SEND_WINDOW_MS = 20;
/** `sendBatch` takes at most 100 messages. */
const MAX_MESSAGES_PER_SEND = 100;

let gathering: ClickMessage[] | null = null;

/**
 * Sends invite-link clicks to the CLICKS queue a batch at a time rather than one call per
 * click: the first click of a quiet moment opens a short window and its request (through
 * `waitUntil`) sends everything gathered in it; clicks answered meanwhile by other requests
 * of this isolate join that batch and cost their own request nothing. A busy link then
 * makes a few queue calls a second, not one per visitor.
 *
 * Returns the send for the caller to pass to `waitUntil`, or null when the click joined a
 * batch that another request sends. A failed send is logged: the click is lost, the
 * redirect it belongs to was answered long before.
 */
export function queueClick(queue: Queue<ClickMessage>, click: ClickMessage): Promise<void> | null {
  if (gathering && gathering.length < MAX_MESSAGES_PER_SEND) {
    gathering.push(click);
    return null;
  }
  const batch = [click];
  gathering = batch;
  const sendGathered = async () => {
    await new Promise((resolve) => setTimeout(resolve, CLICK_SEND_WINDOW_MS));
    if (gathering === batch) gathering = null;
    try {
      await queue.sendBatch(batch.map((body) => ({ body })));
    } catch (error) {
      console.error(`${batch.length} clicks not queued`, error);
    }
  };
  return sendGathered();
}
