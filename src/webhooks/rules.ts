/**
 * Webhooks as pure rules: which events exist and what each carries, which URLs may
 * subscribe, how a delivery is signed (Standard Webhooks) and how long failures are retried.
 */
import type { Discount } from "../db/schema";
import { fromBase64, hmacSha256Base64, toBase64 } from "../lib/crypto";
import { ipv4Octets, ipv6Groups } from "../lib/ip";
import { toIso } from "../lib/time";
import { type RetrySchedule, retryDelayMs } from "../platform/outbox";

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
  "coupon.released",
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
 * The attempts a delivery counts after one more: never past the schedule's limit, so an
 * admin's retry of a delivery that has used up its schedule is one extra attempt that leaves
 * `attempts` at the limit.
 */
export function attemptsAfter(attemptsBefore: number): number {
  return Math.min(attemptsBefore + 1, WEBHOOK_RETRIES.maxAttempts);
}

/**
 * What a failed attempt makes of a delivery that had made `attemptsBefore`: its attempts,
 * when it is tried next (null: `failed`, nothing more is sent), and whether it now counts
 * toward its endpoint's consecutive failures. Only the attempt that uses up the schedule
 * counts, and attempts never pass the limit, so a delivery counts once however often an
 * admin retries it afterwards.
 *
 * @example failedAttempt(12, now) // { attempts: 13, nextAttemptAt: null, countsAsFailure: true }
 * @example failedAttempt(13, now) // { attempts: 13, nextAttemptAt: null, countsAsFailure: false }
 */
export function failedAttempt(attemptsBefore: number, now: number) {
  const attempts = attemptsAfter(attemptsBefore);
  const delay = retryDelayMs(attempts, WEBHOOK_RETRIES);
  return {
    attempts,
    nextAttemptAt: delay === null ? null : now + delay,
    countsAsFailure: delay === null && attemptsBefore < WEBHOOK_RETRIES.maxAttempts,
  };
}

const PRIVATE_ADDRESS = "must not point at a loopback, private, link-local or unspecified address";

/**
 * Whether `url` may receive deliveries: https, or plain http to this machine while
 * developing and testing; never with a user name or password (the admin list shows the
 * URL). Outside development and test, not to this machine or a private network either
 * (see isPrivateHost). Returns the reason when it may not.
 *
 * @example endpointUrlProblem("https://169.254.169.254/", "production") // "must not point at …"
 */
export function endpointUrlProblem(url: string, environment: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL";
  }
  const developing = environment === "development" || environment === "test";
  const local = parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1";
  if (!(parsed.protocol === "https:" || (parsed.protocol === "http:" && local && developing))) {
    return developing
      ? "must use https:// (or http://localhost, http://127.0.0.1)"
      : "must use https://";
  }
  if (parsed.username || parsed.password) return "must not contain a user name or password";
  if (!developing && isPrivateHost(parsed.hostname)) return PRIVATE_ADDRESS;
  return null;
}

/**
 * Whether a URL's host (as `new URL` gives it: IPv4 in dotted decimal whatever its
 * spelling, IPv6 in brackets, names in lowercase) is this machine or a network not on the
 * internet: `localhost` and `*.localhost`; IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.168/16; IPv6 `::`, `::1`, fc00::/7, fe80::/10, and any of the IPv4 ones
 * inside IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`).
 * A name that resolves to such an address is not caught here: Workers cannot resolve names.
 */
export function isPrivateHost(hostname: string): boolean {
  const name = hostname.replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const ipv4 = ipv4Octets(name);
  if (ipv4) return isPrivateIpv4(ipv4);
  if (name.startsWith("[") && name.endsWith("]")) {
    const groups = ipv6Groups(name.slice(1, -1));
    return groups === null || isPrivateIpv6(groups);
  }
  return false;
}

function isPrivateIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 || // "this network", 0.0.0.0 the unspecified address
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // shared address space (carrier-grade NAT)
    (a === 169 && b === 254) || // link-local, where cloud metadata services answer
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

function isPrivateIpv6(groups: number[]): boolean {
  const [first = 0] = groups;
  const embeddedIpv4 = [
    (groups[6] ?? 0) >> 8,
    (groups[6] ?? 0) & 0xff,
    (groups[7] ?? 0) >> 8,
    (groups[7] ?? 0) & 0xff,
  ];
  const startsWith = (prefix: number[]) => prefix.every((group, i) => groups[i] === group);
  // IPv4 inside IPv6: compatible (which makes `::` and `::1` 0.0.0.0 and 0.0.0.1, both in
  // 0/8), mapped, and NAT64.
  if (
    startsWith([0, 0, 0, 0, 0, 0]) ||
    startsWith([0, 0, 0, 0, 0, 0xffff]) ||
    startsWith([0x64, 0xff9b, 0, 0, 0, 0])
  ) {
    return isPrivateIpv4(embeddedIpv4);
  }
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 // link-local fe80::/10
  );
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
  reward: { id: string; name: string; kind: "coupon" | "unlock"; discount: Discount | null };
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
