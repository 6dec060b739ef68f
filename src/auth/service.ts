import type { Config } from "../config";
import { violatedConstraint } from "../db/client";
import type { AuthContext, Database } from "../env";
import { ApiError } from "../errors";
import type { Locale } from "../i18n/locales";
import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { normalizePhone } from "../lib/phone";
import { DAY_MS } from "../lib/time";
import { type RequestMetrics, timed } from "../platform/metrics";
import { ipSubject, type RateLimiter, type RateLimitRule } from "../platform/rate-limit";
import { currentProgram } from "../program/store";
import type { ReferralClaim } from "../referrals/attribution";
import { attributionFor, signUp } from "../users/signup";
import {
  findUserById,
  findUserByPhone,
  setPasswordHash,
  setUserRole,
  type UserRow,
} from "../users/store";
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from "./password";
import { roleFor } from "./rules";
import {
  findRefreshToken,
  insertSession,
  revokeSession,
  revokeSessionsOfUser,
  rotateRefreshToken,
} from "./store";
import { issueAccessToken } from "./tokens";

const HOUR = 3600;
const DAY = 86_400;

/**
 * Failed logins are throttled per (phone, IP) tightly, so that one guesser is slowed down
 * without locking the owner out from elsewhere, and per phone loosely (NIST SP 800-63B:
 * at most 100 failures per account), so that guessers spread over many addresses still
 * get few tries. Past the 15-minute limit a (phone, IP) backs off to its daily limit.
 */
export const authLimits = {
  registerPerIp: { name: "register-ip", limit: 20, windowSeconds: HOUR },
  registerPerPhone: { name: "register-phone", limit: 5, windowSeconds: HOUR },
  loginFailuresPerPhoneIp: { name: "login-fail-phone-ip", limit: 5, windowSeconds: 900 },
  loginFailuresPerPhoneIpDaily: { name: "login-fail-phone-ip-day", limit: 20, windowSeconds: DAY },
  loginFailuresPerPhone: { name: "login-fail-phone", limit: 100, windowSeconds: DAY },
  loginFailuresPerIp: { name: "login-fail-ip", limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

export interface AuthDeps {
  db: Database;
  config: Config;
  rateLimiter: RateLimiter;
  metrics: RequestMetrics | null;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** A new opaque refresh token: the client gets the token, D1 only its hash. */
async function newRefreshToken(config: Config, now: number) {
  const token = randomToken(32);
  return {
    token,
    hash: await sha256Hex(token),
    expiresAt: now + config.refreshTokenTtlDays * DAY_MS,
  };
}

/**
 * A new login session: its rows (for the caller's batch, which may do more) and, once they
 * are written, the tokens that the client gets.
 */
export async function openSession(db: Database, config: Config, userId: string, now: number) {
  const sessionId = newId("ses");
  const refresh = await newRefreshToken(config, now);
  return {
    writes: insertSession(db, {
      sessionId,
      userId,
      refreshTokenHash: refresh.hash,
      refreshExpiresAt: refresh.expiresAt,
      now,
    }),
    async tokens(role: "user" | "admin"): Promise<Tokens> {
      const access = await issueAccessToken(config, { userId, role, sessionId });
      return {
        accessToken: access.token,
        refreshToken: refresh.token,
        expiresIn: access.expiresIn,
      };
    },
  };
}

/** The phone in E.164, or a 400 naming the field. */
export function requirePhone(raw: string, config: Config): string {
  const phone = normalizePhone(raw, config.defaultPhoneCountry);
  if (!phone) {
    throw new ApiError("validation_error", "The request is not valid.", {
      details: [{ path: "phone", message: "must be a valid phone number, e.g. +923001234567" }],
    });
  }
  return phone;
}

export interface RegisterInput {
  name: string;
  phone: string;
  password: string;
  referral?: ReferralClaim | undefined;
  ip: string;
  deviceId?: string | undefined;
  locale: Locale | null;
}

/**
 * Signs up with a password: the shared signup (user, referral, rewards) and the first
 * session in one D1 batch.
 */
export async function registerUser(
  deps: AuthDeps,
  input: RegisterInput,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config } = deps;
  const phone = requirePhone(input.phone, config);
  await timed(deps.metrics, "limits", () =>
    deps.rateLimiter.consumeAll([
      [authLimits.registerPerIp, ipSubject(input.ip)],
      [authLimits.registerPerPhone, phone],
    ]),
  );

  // The first look-up of the code runs while the password hashes (bcrypt yields to I/O).
  const firstLookup = attributionFor(db, input.referral, Date.now());
  firstLookup.catch(() => {});
  // And the program's default language, when the request named none we speak.
  const defaultLocale =
    input.locale === null
      ? currentProgram(db).then((program) => program.rules.defaultLocale)
      : null;
  defaultLocale?.catch(() => {});
  const passwordHash = await timed(deps.metrics, "hash", () =>
    hashPassword(input.password, config.bcryptCost),
  );
  const role = roleFor({ phone, role: "user", phoneVerifiedAt: null }, config);
  const locale = input.locale ?? (await defaultLocale);
  let session: Awaited<ReturnType<typeof openSession>> | undefined;
  let user: UserRow;
  try {
    user = await timed(deps.metrics, "write", () =>
      signUp(deps, {
        name: input.name,
        phone,
        passwordHash,
        role,
        externalId: null,
        referral: input.referral,
        ip: input.ip,
        deviceId: input.deviceId,
        locale,
        firstLookup,
        alsoWrite: async ({ id, now }) => {
          session = await openSession(db, config, id, now);
          return [...session.writes];
        },
      }),
    );
  } catch (error) {
    throw asPhoneTaken(error);
  }
  const opened = session;
  if (!opened) throw new Error("unreachable: a signup always opens its session");
  return { user, tokens: await timed(deps.metrics, "tokens", () => opened.tokens(role)) };
}

/** A signup refused for its phone, as the API's `phone_taken`; other errors unchanged. */
export function asPhoneTaken(error: unknown): unknown {
  return violatedConstraint(error) === "users.phone"
    ? new ApiError("phone_taken", "An account with this phone number already exists.")
    : error;
}

export interface LoginInput {
  phone: string;
  password: string;
  ip: string;
}

export async function logIn(
  deps: AuthDeps,
  input: LoginInput,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config, rateLimiter } = deps;
  const phone = requirePhone(input.phone, config);
  // Every attempt counts as a failure before the password is checked, so parallel guesses
  // cannot all be evaluated; a right password gives its count back.
  const ip = ipSubject(input.ip);
  const attempt = await rateLimiter.consumeAll([
    [authLimits.loginFailuresPerPhoneIp, `${phone} ${ip}`],
    [authLimits.loginFailuresPerPhoneIpDaily, `${phone} ${ip}`],
    [authLimits.loginFailuresPerPhone, phone],
    [authLimits.loginFailuresPerIp, ip],
  ]);

  const found = await findUserByPhone(db, phone);
  const passwordMatches = await timed(deps.metrics, "hash", () =>
    // A participant created by a back end has no password: it signs in through embed tokens.
    found?.passwordHash
      ? verifyPassword(input.password, found.passwordHash)
      : verifyAgainstDecoy(input.password, config.bcryptCost),
  );
  if (!found?.passwordHash || !passwordMatches) {
    throw new ApiError("invalid_credentials", "The phone number or password is wrong.");
  }
  await attempt.refund();

  const { passwordHash: _, ...user } = found;
  const role = roleFor(user, config);
  const session = await openSession(db, config, user.id, Date.now());
  // An imported user's hash of another cost is replaced by one of ours, now that we know the password.
  const rehashed = needsRehash(found.passwordHash, config.bcryptCost)
    ? await hashPassword(input.password, config.bcryptCost)
    : null;
  await db.batch([
    ...session.writes,
    ...(role === user.role ? [] : [setUserRole(db, user.id, role)]),
    ...(rehashed === null ? [] : [setPasswordHash(db, user.id, rehashed)]),
  ]);
  return { user: { ...user, role }, tokens: await session.tokens(role) };
}

/**
 * Rotates a refresh token. Presenting one that was already used (a replay, or the loser of
 * two parallel refreshes) revokes its whole session: one of the two holders is not the user.
 */
export async function refreshTokens(deps: AuthDeps, refreshToken: string): Promise<Tokens> {
  const { db, config } = deps;
  const now = Date.now();
  const oldHash = await sha256Hex(refreshToken);
  const found = await findRefreshToken(db, oldHash);
  const invalid = new ApiError("invalid_refresh_token", "The refresh token is not valid.");
  if (!found || found.sessionRevokedAt !== null || found.expiresAt <= now) throw invalid;
  if (found.usedAt !== null) {
    await revokeSession(db, found.sessionId, now);
    throw invalid;
  }
  const next = await newRefreshToken(config, now);
  const rotated = await rotateRefreshToken(db, {
    oldHash,
    newHash: next.hash,
    newExpiresAt: next.expiresAt,
    now,
  });
  if (!rotated) {
    await revokeSession(db, found.sessionId, now);
    throw invalid;
  }
  const auth: AuthContext = { userId: found.userId, role: found.role, sessionId: found.sessionId };
  const access = await issueAccessToken(config, auth);
  return { accessToken: access.token, refreshToken: next.token, expiresIn: access.expiresIn };
}

export async function logOut(db: Database, userId: string, refreshToken?: string): Promise<void> {
  const hash = refreshToken === undefined ? undefined : await sha256Hex(refreshToken);
  await revokeSessionsOfUser(db, userId, Date.now(), hash);
}

export async function currentUser(db: Database, userId: string): Promise<UserRow> {
  const user = await findUserById(db, userId);
  if (!user)
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  return user;
}
