import { ApiError } from "../errors";

/**
 * Fixed-window counters in KV. KV is eventually consistent and allows about one write per
 * second per key, so counts are approximate: right for abuse limits, never for money.
 * Counting happens off the response path (`defer`, i.e. waitUntil): only the check is
 * awaited, one KV read.
 */
export interface RateLimitRule {
  /** Names the limit in keys and logs, e.g. "login-failures-phone". */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /** Throws 429 rate_limited when `subject` has used up `rule`; otherwise counts this use. */
  consume(rule: RateLimitRule, subject: string): Promise<void>;
  /** Throws 429 rate_limited when `subject` has used up `rule`, without counting. */
  assertWithin(rule: RateLimitRule, subject: string): Promise<void>;
  /** Counts one use (e.g. a failed login) without checking. */
  hit(rule: RateLimitRule, subject: string): void;
}

interface Window {
  key: string;
  resetsAt: number;
}

function currentWindow(rule: RateLimitRule, subject: string, now: number): Window {
  const windowMs = rule.windowSeconds * 1000;
  const start = Math.floor(now / windowMs) * windowMs;
  return { key: `rl:${rule.name}:${subject}:${start}`, resetsAt: start + windowMs };
}

export function kvRateLimiter(
  kv: KVNamespace,
  defer: (work: Promise<unknown>) => void,
  clock: () => number = Date.now,
): RateLimiter {
  const count = async (window: Window) => Number((await kv.get(window.key)) ?? 0);
  const store = (window: Window, value: number, now: number) =>
    // KV's minimum TTL is 60 s; the key is per-window, so a longer life is harmless.
    kv.put(window.key, String(value), {
      expirationTtl: Math.max(60, Math.ceil((window.resetsAt - now) / 1000)),
    });
  const check = async (rule: RateLimitRule, subject: string) => {
    const now = clock();
    const window = currentWindow(rule, subject, now);
    const used = await count(window);
    if (used >= rule.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.resetsAt - now) / 1000));
      throw new ApiError("rate_limited", "Too many requests; try again later.", {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    return { window, used, now };
  };
  return {
    async consume(rule, subject) {
      const { window, used, now } = await check(rule, subject);
      defer(store(window, used + 1, now));
    },
    async assertWithin(rule, subject) {
      await check(rule, subject);
    },
    hit(rule, subject) {
      const now = clock();
      const window = currentWindow(rule, subject, now);
      defer(count(window).then((used) => store(window, used + 1, now)));
    },
  };
}
