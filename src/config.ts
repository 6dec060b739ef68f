import { z } from "zod";
import type { Bindings } from "./env";
import { lookupPhone } from "./lib/phone";

const csv = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const secret = (name: string) =>
  z
    .string({ error: `${name} is not set` })
    .refine((value) => new TextEncoder().encode(value).length >= 32, {
      message: `${name} must be at least 32 bytes`,
    });

/** How invites are delivered: the log locally, a team's webhook, or Twilio (SMS) + Resend (email). */
const inviteDeliverySchema = z.discriminatedUnion("sender", [
  z.object({ sender: z.literal("log") }),
  z.object({
    sender: z.literal("webhook"),
    url: z.url({ error: "INVITE_WEBHOOK_URL must be a URL" }),
    secret: secret("INVITE_WEBHOOK_SECRET"),
  }),
  z.object({
    sender: z.literal("providers"),
    twilio: z.object({
      accountSid: z.string({ error: "TWILIO_ACCOUNT_SID is not set" }).min(1),
      authToken: z.string({ error: "TWILIO_AUTH_TOKEN is not set" }).min(1),
      from: z.string({ error: "TWILIO_FROM is not set" }).min(1),
    }),
    resend: z.object({
      apiKey: z.string({ error: "RESEND_API_KEY is not set" }).min(1),
      from: z.string({ error: "EMAIL_FROM is not set" }).min(3),
    }),
  }),
]);

/** The lowest bcrypt cost a deployment may use (and its default). */
const PRODUCTION_BCRYPT_COST = 10;

const configSchema = z.object({
  environment: z.enum(["development", "test", "production", "staging"]),
  publicBaseUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
  signupUrl: z.url(),
  corsOrigins: csv,
  accessTokenSecret: secret("ACCESS_TOKEN_SECRET"),
  accessTokenTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(900),
  refreshTokenTtlDays: z.coerce.number().int().min(1).max(365).default(30),
  bcryptCost: z.coerce.number().int().min(4).max(14).default(PRODUCTION_BCRYPT_COST),
  eventsApiKey: secret("EVENTS_API_KEY"),
  /**
   * Salt for hashing client IPs (clicks and fraud checks compare hashes, never raw IPs) and
   * the key of one-time codes' HMACs (domain-separated by a prefix).
   */
  ipHashSalt: secret("IP_HASH_SALT"),
  /** How long the public leaderboard is cached at the edge; 0 turns the cache off. */
  leaderboardCacheSeconds: z.coerce.number().int().min(0).max(3600).default(30),
  inviteDelivery: inviteDeliverySchema,
  /**
   * SMS messages (invites, and later verification codes) the whole API may send per UTC
   * day: a ceiling on what a hijacked account or toll fraud can cost.
   */
  smsDailyBudget: z.coerce.number().int().min(0).max(10_000_000).default(1000),
  /**
   * The percentage of that budget invites and notifications may use; verification and reset
   * codes always have the rest, so a busy day never keeps a person from signing in.
   */
  smsNotificationShare: z.coerce.number().int().min(0).max(100).default(80),
  adminPhones: csv,
  defaultPhoneCountry: z
    .string()
    .regex(/^([A-Z]{2})?$/, "must be an ISO 3166 alpha-2 country code")
    .default("")
    .transform((value) => value || undefined),
  /** CSP frame-ancestors of the portal: who may embed it (`'self'`, origins, `https:`). */
  portalFrameAncestors: z
    .string()
    .default("'self'")
    .transform((value) => value.trim().split(/\s+/).filter(Boolean))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              /^('self'|'none'|https?:|(https?:\/\/)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?)$/i,
              "PORTAL_FRAME_ANCESTORS holds a source that is not an origin, 'self' or 'none'",
            ),
        )
        .min(1, "PORTAL_FRAME_ANCESTORS is empty"),
    ),
  /** Cloudflare Turnstile: with a secret key, signups and SMS sends need a passed challenge. */
  turnstile: z.object({
    secretKey: z
      .string()
      .optional()
      .transform((value) => value || undefined),
    siteKey: z
      .string()
      .regex(/^[\w-]{1,100}$/, "TURNSTILE_SITE_KEY is not a site key")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    siteverifyUrl: z.url({ error: "TURNSTILE_SITEVERIFY_URL must be a URL" }).optional(),
  }),
  benchMetrics: z
    .string()
    .optional()
    .transform((value) => value === "1"),
});

export type Config = z.output<typeof configSchema>;

/** Thrown when settings are missing or weak: the API then refuses every request (fails closed). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads and validates the settings once per isolate. There are no built-in defaults for
 * secrets in any environment: local dev gets real random ones from `npm run setup`.
 */
export function loadConfig(env: Bindings): Config {
  const cached = configCache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse({
    environment: env.ENVIRONMENT ?? "production",
    publicBaseUrl: env.PUBLIC_BASE_URL,
    signupUrl: env.SIGNUP_URL,
    corsOrigins: env.CORS_ORIGINS,
    accessTokenSecret: env.ACCESS_TOKEN_SECRET,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    bcryptCost: env.BCRYPT_COST,
    eventsApiKey: env.EVENTS_API_KEY,
    ipHashSalt: env.IP_HASH_SALT,
    leaderboardCacheSeconds: env.LEADERBOARD_CACHE_SECONDS,
    smsDailyBudget: env.SMS_DAILY_BUDGET,
    smsNotificationShare: env.SMS_NOTIFICATION_SHARE,
    inviteDelivery: {
      sender: env.INVITE_SENDER || "log",
      url: env.INVITE_WEBHOOK_URL,
      secret: env.INVITE_WEBHOOK_SECRET,
      twilio: {
        accountSid: env.TWILIO_ACCOUNT_SID,
        authToken: env.TWILIO_AUTH_TOKEN,
        from: env.TWILIO_FROM,
      },
      resend: { apiKey: env.RESEND_API_KEY, from: env.EMAIL_FROM },
    },
    adminPhones: env.ADMIN_PHONES,
    defaultPhoneCountry: env.DEFAULT_PHONE_COUNTRY,
    portalFrameAncestors: env.PORTAL_FRAME_ANCESTORS || undefined,
    turnstile: {
      secretKey: env.TURNSTILE_SECRET_KEY,
      siteKey: env.TURNSTILE_SITE_KEY,
      siteverifyUrl: env.TURNSTILE_SITEVERIFY_URL || undefined,
    },
    benchMetrics: env.BENCH_METRICS,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`)
      .join("; ");
    throw new ConfigError(`Refusing to serve: invalid configuration (${problems}).`);
  }
  const config = parsed.data;
  // Invites only written to the log would be lost without a trace: a deployed API names a sender.
  if (
    config.inviteDelivery.sender === "log" &&
    config.environment !== "development" &&
    config.environment !== "test"
  ) {
    throw new ConfigError(
      "Refusing to serve: INVITE_SENDER must be webhook or providers outside development and test.",
    );
  }
  // A stand-in for siteverify would let anything through: only for local runs and tests.
  if (
    config.turnstile.siteverifyUrl &&
    config.environment !== "development" &&
    config.environment !== "test"
  ) {
    throw new ConfigError(
      "Refusing to serve: TURNSTILE_SITEVERIFY_URL is for development and test only.",
    );
  }
  // Below cost 10 a leaked password hash falls to guessing much faster: tests and the
  // capacity benchmark lower it (to 4) to measure the database, never a deployment.
  if (
    config.bcryptCost < PRODUCTION_BCRYPT_COST &&
    config.environment !== "development" &&
    config.environment !== "test"
  ) {
    throw new ConfigError(
      `Refusing to serve: BCRYPT_COST below ${PRODUCTION_BCRYPT_COST} is for development and test only.`,
    );
  }
  // Matched against stored phones: read like a look-up, so a configured phone keeps working.
  const adminPhones = config.adminPhones.map((phone) =>
    lookupPhone(phone, config.defaultPhoneCountry),
  );
  if (adminPhones.includes(null)) {
    throw new ConfigError(
      "Refusing to serve: ADMIN_PHONES holds a number that is not a valid phone.",
    );
  }
  const resolved = { ...config, adminPhones: adminPhones.filter((phone) => phone !== null) };
  configCache.set(env, resolved);
  return resolved;
}

// Keyed by the env object so that tests with their own bindings get their own config.
const configCache = new WeakMap<Bindings, Config>();
