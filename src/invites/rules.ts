import { DAY_MS } from "../lib/time";
import { retryDelayMs as outboxRetryDelayMs, type RetrySchedule } from "../platform/outbox";

export const INVITES_PER_DAY = 20;
export const INVITE_NOTE_MAX_LENGTH = 280;
export const SAME_RECIPIENT_WINDOW_MS = 7 * DAY_MS;
export const MAX_DELIVERY_ATTEMPTS = 6;
/**
 * A new invite is sent right after the request; it is also due for the retry job this long
 * after, so that an attempt lost with its isolate is still made.
 */
export const FIRST_RETRY_AFTER_MS = 60_000;
/** How long one delivery attempt holds an invite. */
export const DELIVERY_LOCK_MS = 30_000;
/** How long a sender waits for its provider: well within the hold above. */
export const SEND_TIMEOUT_MS = 10_000;

const INVITE_RETRIES: RetrySchedule = {
  maxAttempts: MAX_DELIVERY_ATTEMPTS,
  firstDelayMs: 60_000,
  maxDelayMs: 6 * 3_600_000,
};

/**
 * How long to wait after the `attempts`-th failed delivery: 1, 2, 4, 8, 16 minutes…
 * capped at 6 hours; null once the attempts are used up (the invite is then `failed`).
 */
export function retryDelayMs(attempts: number): number | null {
  return outboxRetryDelayMs(attempts, INVITE_RETRIES);
}

/**
 * What an invite shows of its recipient: enough to recognise, not enough to harvest.
 *
 * @example maskRecipient("sms", "+923001234567") // "+92******4567"
 * @example maskRecipient("email", "ayesha@example.com") // "a*****@example.com"
 */
export function maskRecipient(channel: "email" | "sms", recipient: string): string {
  if (channel === "email") {
    const at = recipient.lastIndexOf("@");
    const local = recipient.slice(0, at);
    return `${local.slice(0, 1)}${"*".repeat(Math.max(1, local.length - 1))}${recipient.slice(at)}`;
  }
  return `${recipient.slice(0, 3)}${"*".repeat(Math.max(1, recipient.length - 7))}${recipient.slice(-4)}`;
}

/** The invite link: it carries the channel as `src` and the invite id, for attribution. */
export function inviteLink(publicBaseUrl: string, code: string, channel: string, inviteId: string) {
  return `${publicBaseUrl}/r/${code}?src=${channel}&inv=${inviteId}`;
}

/**
 * The invite as sent: its text (the inviter's name masked like everywhere else it is shown
 * to someone else) and, quoted after it, the inviter's note, checked for links when the
 * invite was made.
 */
export function inviteText(text: string, note: string | null) {
  return note ? `${text} "${note}"` : text;
}
