/**
 * The Worker's bindings: what wrangler.toml declares (generated into
 * worker-configuration.d.ts by `npm run types`) plus the secrets, which come from
 * `wrangler secret put` in production and .dev.vars locally.
 */
export interface Bindings extends WranglerBindings {
  ACCESS_TOKEN_SECRET?: string;
  EVENTS_API_KEY?: string;
  IP_HASH_SALT?: string;
  INVITE_WEBHOOK_SECRET?: string;
  TWILIO_AUTH_TOKEN?: string;
  RESEND_API_KEY?: string;
  /** Cloudflare Turnstile: set, signups and SMS sends need a passed challenge. */
  TURNSTILE_SECRET_KEY?: string;
  /** The portal shows the Turnstile widget with this site key. */
  TURNSTILE_SITE_KEY?: string;
  /** A local stand-in for siteverify (development and test only). */
  TURNSTILE_SITEVERIFY_URL?: string;
  /** Set only by the benchmark: X-D1-Rows and Server-Timing headers on every response. */
  BENCH_METRICS?: string;
}
