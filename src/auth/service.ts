import type { Config } from "../config";
import { violatedConstraint } from "../db/client";
import type { AuthContext, Database } from "../env";
import { ApiError } from "../errors";
import { UNKNOWN_IP } from "../http/auth";
import { hmacSha256Hex, randomToken, sha256Hex } from "../lib/crypto";
import { newId, newReferralCode } from "../lib/ids";
import { normalizePhone } from "../lib/phone";
import { DAY_MS } from "../lib/time";
import { type RequestMetrics, timed } from "../platform/metrics";
import { ipSubject, type RateLimiter, type RateLimitRule } from "../platform/rate-limit";
import type { ReferralClaim } from "../referrals/attribution";
import { TAKEN_CODE_CONSTRAINTS } from "../referrals/code";
import { STALE_SNAPSHOT_CONSTRAINTS } from "../referrals/qualification";
import { resolveReferralCode, type SignupAttribution, signupWrites } from "../referrals/service";
import {
  findUserById,
  findUserByPhone,
  insertUser,
  setPasswordHash,
  setUserRole,
  type UserRow,
} from "../users/store";
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from "./password";
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

function roleFor(phone: string, storedRole: "user" | "admin", config: Config): "user" | "admin" {
  return config.adminPhones.includes(phone) ? "admin" : storedRole;
}

const MAX_SIGNUP_ATTEMPTS = 20;

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
}

async function attributionFor(
  db: Database,
  referral: RegisterInput["referral"],
  now: number,
): Promise<SignupAttribution | null> {
  if (!referral) return null;
  try {
    const referrer = await resolveReferralCode(db, referral.code, now);
    return { referrer, source: referral.source, inviteId: referral.inviteId };
  } catch (error) {
    if (referral.from === "cookie" && error instanceof ApiError) return null;
    throw error;
  }
}

/**
 * Creates the user, their wallet, their first session and — with a valid code — the
 * referral with both sides' rewards, all in one D1 batch: all of it happens or none.
 *
 * The referral claims the referrer's next ordinal (which decides the tier). The unique
 * index on (referrer, ordinal) rejects a claim that a concurrent signup made first; the
 * whole batch then rolls back and is planned again from a fresh read.
 */
export async function registerUser(
  deps: AuthDeps,
  input: RegisterInput,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config } = deps;
  const phone = requirePhone(input.phone, config);
  await deps.rateLimiter.consumeAll([
    [authLimits.registerPerIp, ipSubject(input.ip)],
    [authLimits.registerPerPhone, phone],
  ]);

  // The first look-up of the code runs while the password hashes (bcrypt yields to I/O).
  const firstLookup = attributionFor(db, input.referral, Date.now());
  firstLookup.catch(() => {});
  const passwordHash = await timed(deps.metrics, "hash", () =>
    hashPassword(input.password, config.bcryptCost),
  );
  // Only salted hashes are kept, and compared with the referrer's (fraud holds).
  const fingerprint = {
    ipHash:
      input.ip === UNKNOWN_IP ? null : await hmacSha256Hex(config.ipHashSalt, `ip:${input.ip}`),
    deviceHash: input.deviceId
      ? await hmacSha256Hex(config.ipHashSalt, `device:${input.deviceId}`)
      : null,
  };
  const userId = newId("usr");
  const sessionId = newId("ses");
  const role = roleFor(phone, "user", config);

  for (let attempt = 1; attempt <= MAX_SIGNUP_ATTEMPTS; attempt++) {
    const now = Date.now();
    const attribution = await (attempt === 1
      ? firstLookup
      : attributionFor(db, input.referral, now));
    const referrer = attribution?.referrer;
    const referralCode = newReferralCode();
    const refresh = await newRefreshToken(config, now);
    const newUser = {
      id: userId,
      name: input.name,
      phone,
      passwordHash,
      role,
      referralCode,
      referredByUserId: referrer?.id ?? null,
      referredByCode: referrer?.referralCode ?? null,
      signupIpHash: fingerprint.ipHash,
      signupDeviceHash: fingerprint.deviceHash,
      createdAt: now,
    };
    try {
      await db.batch([
        insertUser(db, newUser),
        ...insertSession(db, {
          sessionId,
          userId,
          refreshTokenHash: refresh.hash,
          refreshExpiresAt: refresh.expiresAt,
          now,
        }),
        ...signupWrites(db, { refereeId: userId, referee: fingerprint, now, attribution }),
      ]);
    } catch (error) {
      const constraint = violatedConstraint(error);
      if (constraint === "users.phone") {
        throw new ApiError("phone_taken", "An account with this phone number already exists.");
      }
      // A random code that someone holds or once held draws another.
      const lostARace =
        TAKEN_CODE_CONSTRAINTS.has(constraint ?? "") ||
        STALE_SNAPSHOT_CONSTRAINTS.has(constraint ?? "");
      if (lostARace && attempt < MAX_SIGNUP_ATTEMPTS) {
        // A little jitter spreads a burst of signups on one code over successive rounds.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
        continue;
      }
      throw error;
    }
    const { token: accessToken, expiresIn } = await issueAccessToken(config, {
      userId,
      role,
      sessionId,
    });
    const user: UserRow = { ...newUser, referralCodeCreatedAt: now };
    return { user, tokens: { accessToken, refreshToken: refresh.token, expiresIn } };
  }
  throw new Error("unreachable: the signup loop either returns or throws");
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
    found
      ? verifyPassword(input.password, found.passwordHash)
      : verifyAgainstDecoy(input.password, config.bcryptCost),
  );
  if (!found || !passwordMatches) {
    throw new ApiError("invalid_credentials", "The phone number or password is wrong.");
  }
  await attempt.refund();

  const { passwordHash: _, ...user } = found;
  const role = roleFor(user.phone, user.role, config);
  const now = Date.now();
  const sessionId = newId("ses");
  const refresh = await newRefreshToken(config, now);
  const rehashed = needsRehash(found.passwordHash, config.bcryptCost)
    ? await hashPassword(input.password, config.bcryptCost)
    : null;
  await db.batch([
    ...insertSession(db, {
      sessionId,
      userId: user.id,
      refreshTokenHash: refresh.hash,
      refreshExpiresAt: refresh.expiresAt,
      now,
    }),
    ...(role === user.role ? [] : [setUserRole(db, user.id, role)]),
    ...(rehashed === null ? [] : [setPasswordHash(db, user.id, rehashed)]),
  ]);
  const access = await issueAccessToken(config, { userId: user.id, role, sessionId });
  return {
    user: { ...user, role },
    tokens: { accessToken: access.token, refreshToken: refresh.token, expiresIn: access.expiresIn },
  };
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
