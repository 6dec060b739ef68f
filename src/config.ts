import { z } from "zod";
import type { Bindings } from "./env";
import { normalizePhone } from "./lib/phone";

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

const configSchema = z.object({
  environment: z.enum(["development", "test", "production", "staging"]),
  publicBaseUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
  signupUrl: z.url(),
  corsOrigins: csv,
  accessTokenSecret: secret("ACCESS_TOKEN_SECRET"),
  accessTokenTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(900),
  refreshTokenTtlDays: z.coerce.number().int().min(1).max(365).default(30),
  bcryptCost: z.coerce.number().int().min(4).max(14).default(10),
  eventsApiKey: secret("EVENTS_API_KEY"),
  adminPhones: csv,
  defaultPhoneCountry: z
    .string()
    .regex(/^([A-Z]{2})?$/, "must be an ISO 3166 alpha-2 country code")
    .default("")
    .transform((value) => value || undefined),
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
    adminPhones: env.ADMIN_PHONES,
    defaultPhoneCountry: env.DEFAULT_PHONE_COUNTRY,
    benchMetrics: env.BENCH_METRICS,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`)
      .join("; ");
    throw new ConfigError(`Refusing to serve: invalid configuration (${problems}).`);
  }
  const config = parsed.data;
  const adminPhones = config.adminPhones.map((phone) =>
    normalizePhone(phone, config.defaultPhoneCountry),
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
