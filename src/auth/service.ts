import type { Config } from "../config";
import {
  hashPassword,
  needsRehash,
  verifyAgainstDecoy,
  verifyPassword,
} from "../credentials/password";
import {
  findRefreshToken,
  insertSession,
  revokeSession,
  revokeSessionsOfUser,
  rotateRefreshToken,
} from "../credentials/sessions";
import { issueAccessToken } from "../credentials/tokens";
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import type { AuthContext } from "../http/context";
import type { Locale } from "../i18n/locales";
import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { DAY_MS } from "../lib/time";
import type { ReferralClaim } from "../links/attribution";
import type { Deps } from "../platform/deps";
import { timed } from "../platform/metrics";
import { ipSubject, type RateLimitRule } from "../platform/rate-limit";
import { currentProgram } from "../program/store";
import { attributionFor, signUp } from "../signup/service";
import { asPhoneTaken, requireNewPhone, requirePhone } from "../users/phones";
import { findUserByPhone, setPasswordHash, setUserRole, type UserRow } from "../users/store";
import { roleFor } from "./rules";

const HOUR = 3600;
const DAY = 86_400;

/**
 * Failed logins are throttled per (phone, IP) tightly, so that one guesser is slowed down
 * without locking the owner out from elsewhere, and per phone loosely (NIST SP 800-63B:
 * at most 100 failures per account), so that guessers spread over many addresses still
 * get few tries. Past the 15-minute limit a (phone, IP) backs off to its daily limit.
 */
export const authLimits = {
  /**
   * In front of the password hash, at the edge (no D1): a burst from one address, or for one
   * phone, is refused before it costs bcrypt. Never stricter than the hourly limits below,
   * which the signup's batch counts exactly; attempts refused for anything else (a taken
   * phone) are counted after the response, so while they are in flight only these hold.
   */
  registerPerIpBurst: {
    name: "register-ip-burst",
    limit: 20,
    windowSeconds: 60,
    edgeBinding: "REGISTER_IP_LIMITER",
  },
  registerPerPhoneBurst: {
    name: "register-phone-burst",
    limit: 5,
    windowSeconds: 60,
    edgeBinding: "REGISTER_PHONE_LIMITER",
  },
  registerPerIp: { name: "register-ip", limit: 20, windowSeconds: HOUR },
  registerPerPhone: { name: "register-phone", limit: 5, windowSeconds: HOUR },
  loginFailuresPerPhoneIp: { name: "login-fail-phone-ip", limit: 5, windowSeconds: 900 },
  loginFailuresPerPhoneIpDaily: { name: "login-fail-phone-ip-day", limit: 20, windowSeconds: DAY },
  loginFailuresPerPhone: { name: "login-fail-phone", limit: 100, windowSeconds: DAY },
  loginFailuresPerIp: { name: "login-fail-ip", limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

export type AuthDeps = Pick<Deps, "db" | "config" | "outbox" | "rateLimiter" | "metrics">;

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
export async function openSession(
  { db, config }: Pick<Deps, "db" | "config">,
  userId: string,
  now: number,
) {
  const sessionId = newId("ses", now);
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

export interface RegisterInput {
  name: string;
  phone: string;
  password: string;
  referral?: ReferralClaim | undefined;
  ip: string;
  deviceId?: string | undefined;
  locale: Locale | null;
  /** The request's country (`request.cf.country`), when the edge gives one. */
  requestCountry?: string | undefined;
}

/**
 * Signs up with a password: the shared signup (user, referral, rewards), the first session
 * and the exact per-IP and per-phone counts in one D1 batch — the signup's one round trip to
 * the primary. A count past its limit fails the batch (429); an attempt refused for anything
 * else still counts, after the response.
 */
export async function registerUser(
  deps: AuthDeps,
  input: RegisterInput,
  now: number,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config } = deps;
  const phone = requireNewPhone(input.phone, config);
  const ip = ipSubject(input.ip);
  const limits = await timed(deps.metrics, "limits", async () => {
    await deps.rateLimiter.consumeAll([
      [authLimits.registerPerIpBurst, ip],
      [authLimits.registerPerPhoneBurst, phone],
    ]);
    return deps.rateLimiter.inBatch(db, [
      [authLimits.registerPerIp, ip],
      [authLimits.registerPerPhone, phone],
    ]);
  });

  // The first look-up of the code runs while the password hashes (bcrypt yields to I/O).
  const firstLookup = attributionFor(db, input.referral, now);
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
      signUp(
        deps,
        {
          name: input.name,
          phone,
          passwordHash,
          role,
          externalId: null,
          referral: input.referral,
          ip: input.ip,
          deviceId: input.deviceId,
          locale,
          requestCountry: input.requestCountry,
          firstLookup,
          guards: limits.statements,
          alsoWrite: async ({ id }) => {
            session = await openSession(deps, id, now);
            return [...session.writes];
          },
        },
        now,
      ),
    );
  } catch (error) {
    const refusal = limits.refusal(error);
    if (refusal) throw refusal;
    limits.countAfterResponse();
    throw asPhoneTaken(error);
  }
  const opened = session;
  if (!opened) throw new Error("unreachable: a signup always opens its session");
  return { user, tokens: await timed(deps.metrics, "tokens", () => opened.tokens(role)) };
}

export interface LoginInput {
  phone: string;
  password: string;
  ip: string;
}

export interface PasswordAttempt<T> {
  /** Whose password: the phone, or for an account without one its user id. */
  account: string;
  ip: string;
  password: string;
  /** Reads the account once this attempt is counted; none, or no hash → the password is wrong. */
  load: () => Promise<T | undefined>;
  /** The `invalid_credentials` message when it is wrong. */
  wrong: string;
}

/**
 * The failure limits' key for a signed-in user's password: their phone, as at login, so
 * that guesses through any route add up; a user without a phone (who has no password
 * either) by their id.
 */
export function passwordAccount(user: { id: string; phone: string | null }): string {
  return user.phone ?? user.id;
}

/**
 * The one password check: login, password change and erase count their attempts into the
 * same failure limits, so guesses add up across them and none of them is a way around the
 * others. Every attempt counts as a failure before the password is checked, so parallel
 * guesses cannot all be evaluated (429 rate_limited once over, even for the right one: no
 * oracle); a right password gives its count back. Wrong → 401 invalid_credentials.
 * Returns what `load` read, its password proven.
 */
export async function checkPassword<T extends { passwordHash: string | null }>(
  deps: Pick<AuthDeps, "config" | "rateLimiter" | "metrics">,
  attempt: PasswordAttempt<T>,
): Promise<T & { passwordHash: string }> {
  const { account } = attempt;
  const ip = ipSubject(attempt.ip);
  const counted = await deps.rateLimiter.consumeAll([
    [authLimits.loginFailuresPerPhoneIp, `${account} ${ip}`],
    [authLimits.loginFailuresPerPhoneIpDaily, `${account} ${ip}`],
    [authLimits.loginFailuresPerPhone, account],
    [authLimits.loginFailuresPerIp, ip],
  ]);
  const found = await attempt.load();
  const storedHash = found?.passwordHash;
  const matches = await timed(deps.metrics, "hash", () =>
    // Without a hash (no such phone, or a participant created by a back end, which signs in
    // through embed tokens) the decoy takes as long as a real check.
    storedHash
      ? verifyPassword(attempt.password, storedHash)
      : verifyAgainstDecoy(attempt.password, deps.config.bcryptCost),
  );
  if (!found || !storedHash || !matches) {
    throw new ApiError("invalid_credentials", attempt.wrong);
  }
  await counted.refund();
  return { ...found, passwordHash: storedHash };
}

export async function logIn(
  deps: AuthDeps,
  input: LoginInput,
  now: number,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config } = deps;
  const phone = requirePhone(input.phone, config);
  const found = await checkPassword(deps, {
    account: phone,
    ip: input.ip,
    password: input.password,
    load: () => findUserByPhone(db, phone),
    wrong: "The phone number or password is wrong.",
  });

  const { passwordHash: _, ...user } = found;
  const role = roleFor(user, config);
  const session = await openSession(deps, user.id, now);
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
export async function refreshTokens(
  deps: Pick<Deps, "db" | "config">,
  refreshToken: string,
  now: number,
): Promise<Tokens> {
  const { db, config } = deps;
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

/**
 * Ends the session of `refreshToken` or, without one, every session of the user. An embed
 * token ends only its own session, whatever it sends: the page it was handed to must not
 * sign the person out of their other sessions.
 */
export async function logOut(
  db: Database,
  auth: AuthContext,
  refreshToken: string | undefined,
  now: number,
) {
  if (auth.embedded) {
    await revokeSession(db, auth.sessionId, now);
    return;
  }
  const hash = refreshToken === undefined ? undefined : await sha256Hex(refreshToken);
  await revokeSessionsOfUser(db, auth.userId, now, hash);
}
