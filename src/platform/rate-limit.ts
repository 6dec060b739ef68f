import { ApiError } from "../errors";

/**
 * Fixed-window counters in KV. KV is eventually consistent and allows about one write per
 * second per key, so counts are approximate: right for abuse limits, never for money.
 */
export interface RateLimitRule {
  /** Names the limit in keys and logs, e.g. "login-failures-phone". */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /** Throws 429 rate_limited when `subject` has used up `rule` in the current window. */
  assertWithin(rule: RateLimitRule, subject: string): Promise<void>;
  /** Counts one more use of `rule` by `subject`. */
  hit(rule: RateLimitRule, subject: string): Promise<void>;
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

export function kvRateLimiter(kv: KVNamespace, clock: () => number = Date.now): RateLimiter {
  const count = async (window: Window) => Number((await kv.get(window.key)) ?? 0);
  return {
    async assertWithin(rule, subject) {
      const now = clock();
      const window = currentWindow(rule, subject, now);
      if ((await count(window)) >= rule.limit) {
        const retryAfter = Math.max(1, Math.ceil((window.resetsAt - now) / 1000));
        throw new ApiError("rate_limited", "Too many requests; try again later.", {
          headers: { "Retry-After": String(retryAfter) },
        });
      }
    },
    async hit(rule, subject) {
      const now = clock();
      const window = currentWindow(rule, subject, now);
      const next = (await count(window)) + 1;
      // KV's minimum TTL is 60 s; the key is per-window, so a longer life is harmless.
      const ttl = Math.max(60, Math.ceil((window.resetsAt - now) / 1000));
      await kv.put(window.key, String(next), { expirationTtl: ttl });
    },
  };
}
