/**
 * Webhooks as pure rules: which events exist and what each carries, which URLs may
 * subscribe, how a delivery is signed (Standard Webhooks) and how long failures are retried.
 */
import { fromBase64, hmacSha256Base64, toBase64 } from "../lib/crypto";
import { toIso } from "../lib/time";
import type { RetrySchedule } from "../platform/outbox";

export const webhookEventTypes = [
  "user.created",
  "referral.created",
  "referral.qualified",
  "referral.held",
  "referral.rejected",
  "referral.reversed",
  "reward.redeemed",
  "coupon.used",
  "coupon.voided",
  "unlock.granted",
  "campaign.completed",
  "points.expired",
  "webhook.test",
] as const;

export type WebhookEventType = (typeof webhookEventTypes)[number];

/** How long one attempt may take before it counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** How long one attempt holds a delivery: longer than the timeout, so holds never overlap. */
export const DELIVERY_LOCK_MS = 30_000;
/** Deliveries claimed at once; an endpoint's are attempted one after another. */
export const DELIVERIES_PER_CLAIM = 10;

/**
 * How long a claim of `count` deliveries holds them: long enough for all of them to time
 * out one after another (they may all go to one endpoint), so that no other claimer sends
 * one while it is still being attempted. A claimer that dies holds them this long at most.
 */
export function claimLockMs(count: number): number {
  return DELIVERY_LOCK_MS + Math.max(0, count - 1) * DELIVERY_TIMEOUT_MS;
}
/**
 * A delivery is sent right after the request; it is also due for the retry job this long
 * after, so that an attempt lost with its isolate is still made.
 */
export const FIRST_RETRY_AFTER_MS = 60_000;
/** How long events (and their deliveries) are kept for admins to inspect and retry. */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 86_400_000;
/** An endpoint whose last this-many deliveries all failed for good is deactivated. */
export const FAILURES_TO_DEACTIVATE = 20;

/**
 * 1, 2, 4 … 256 minutes, then every 6 hours: 13 attempts spanning about 26.5 hours, then
 * `failed` (receivers get a day to recover, as Standard Webhooks senders promise).
 */
export const WEBHOOK_RETRIES: RetrySchedule = {
  maxAttempts: 13,
  firstDelayMs: 60_000,
  maxDelayMs: 6 * 3_600_000,
};

/**
 * Whether `url` may receive deliveries: https, or plain http to this machine while
 * developing and testing. Returns the reason when it may not.
 */
export function endpointUrlProblem(url: string, environment: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL";
  }
  if (parsed.protocol === "https:") return null;
  const local = parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1";
  const developing = environment === "development" || environment === "test";
  if (parsed.protocol === "http:" && local && developing) return null;
  return developing
    ? "must use https:// (or http://localhost, http://127.0.0.1)"
    : "must use https://";
}

/** `whsec_` + base64 of 32 random bytes: shown once, kept to sign every delivery. */
export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
function signingKey(secret: string): Uint8Array {
  return fromBase64(secret.replace(/^whsec_/, ""));
}

/** `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. */
export async function webhookSignature(
  secret: string,
  message: { id: string; timestamp: number; body: string },
): Promise<string> {
  const signed = `${message.id}.${message.timestamp}.${message.body}`;
  return `v1,${await hmacSha256Base64(signingKey(secret), signed)}`;
}

/** The body of a delivery: the same bytes on every attempt of an event. */
export function deliveryBody(event: {
  id: string;
  type: string;
  createdAt: number;
  data: string;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: toIso(event.createdAt),
    data: JSON.parse(event.data),
  });
}

/** What the receiver said, as a delivery records it: any 2xx is delivered. */
export function attemptOutcome(
  result: { status: number } | { error: unknown },
):
  | { delivered: true; statusCode: number }
  | { delivered: false; statusCode: number | null; error: string } {
  if ("status" in result) {
    if (result.status >= 200 && result.status < 300) {
      return { delivered: true, statusCode: result.status };
    }
    const error =
      result.status >= 300 && result.status < 400
        ? `Answered ${result.status} (redirects are not followed)`
        : `Answered ${result.status}`;
    return { delivered: false, statusCode: result.status, error };
  }
  const { error } = result;
  const timedOut = error instanceof Error && error.name === "TimeoutError";
  const message = error instanceof Error ? error.message : String(error);
  return {
    delivered: false,
    statusCode: null,
    error: timedOut ? `No answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : message.slice(0, 500),
  };
}

// The `data` of each event type. Plain functions of the rows the write path already has.

export interface ReferralFacts {
  id: string;
  referrerId: string;
  refereeId: string;
  status: "pending" | "qualified" | "held" | "rejected";
  source: string;
  referrerPoints: number;
  refereePoints: number;
  createdAt: number;
}

/** `referral.*`: `{ referral: { id, referrerId, refereeId, status, source, …Points, createdAt } }`. */
export function referralEventData(referral: ReferralFacts) {
  return {
    referral: {
      id: referral.id,
      referrerId: referral.referrerId,
      refereeId: referral.refereeId,
      status: referral.status,
      source: referral.source,
      referrerPoints: referral.referrerPoints,
      refereePoints: referral.refereePoints,
      createdAt: toIso(referral.createdAt),
    },
  };
}

/** The `referral.*` type a referral's status announces when it is created. */
export function referralStatusEvent(
  status: ReferralFacts["status"],
): "referral.qualified" | "referral.held" | "referral.rejected" | null {
  if (status === "qualified") return "referral.qualified";
  if (status === "held") return "referral.held";
  if (status === "rejected") return "referral.rejected";
  return null;
}

/** `reward.redeemed`: the redemption, and its coupon when the reward is one. */
export function rewardRedeemedData(redemption: {
  id: string;
  userId: string;
  reward: { id: string; name: string; kind: "coupon" | "unlock" };
  cost: number;
  couponCode: string | null;
  createdAt: number;
}) {
  const createdAt = toIso(redemption.createdAt);
  return {
    redemption: {
      id: redemption.id,
      userId: redemption.userId,
      rewardId: redemption.reward.id,
      cost: redemption.cost,
      couponCode: redemption.couponCode,
      createdAt,
    },
    coupon:
      redemption.couponCode === null
        ? null
        : {
            code: redemption.couponCode,
            status: "issued" as const,
            reward: redemption.reward,
            userId: redemption.userId,
            redemptionId: redemption.id,
            issuedAt: createdAt,
            usedAt: null,
            orderId: null,
          },
  };
}

/** `unlock.granted`: unlocks are for life, so `expiresAt` is null. */
export function unlockGrantedData(grant: { userId: string; unlock: string }) {
  return { userId: grant.userId, unlock: grant.unlock, expiresAt: null };
}

export function campaignCompletedData(award: {
  userId: string;
  campaignId: string;
  bonusPoints: number;
}) {
  return { userId: award.userId, campaignId: award.campaignId, bonusPoints: award.bonusPoints };
}
