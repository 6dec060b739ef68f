import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import {
  type BatchGuards,
  behindGuards,
  isErasedUserRefusal,
  violatedConstraint,
} from "../db/client";
import { ApiError } from "../errors";
import { screenAgainstBlocklist } from "../fraud/blocklist";
import { UNKNOWN_IP } from "../http/request";
import type { Locale } from "../i18n/locales";
import { MAX_CONTENDED_ATTEMPTS, pauseAfterLostRace } from "../lib/contention";
import { hmacSha256Hex } from "../lib/crypto";
import { newId, newReferralCode } from "../lib/ids";
import { phoneFacts } from "../lib/phone";
import type { ReferralClaim } from "../links/attribution";
import type { Deps } from "../platform/deps";
import { currentProgram } from "../program/store";
import { TAKEN_CODE_CONSTRAINTS } from "../referrals/code";
import { STALE_SNAPSHOT_CONSTRAINTS } from "../referrals/qualification";
import { resolveReferralCode, type SignupAttribution, signupWrites } from "../referrals/service";
import { toUser } from "../users/schemas";
import { insertUser, type UserRow } from "../users/store";
import { webhookEventStatements } from "../webhooks/outbox";

/** The referrer of a signup's claim, or null; a stale cookie's code is dropped, a typed one is a 422. */
export async function attributionFor(
  db: Database,
  referral: ReferralClaim | undefined,
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

export interface SignupInput {
  name: string;
  /** E.164, or null for a participant whose shop gave none. */
  phone: string | null;
  /** Null for a participant of a back end: no password login. */
  passwordHash: string | null;
  role: "user" | "admin";
  externalId: string | null;
  referral: ReferralClaim | undefined;
  ip: string;
  deviceId: string | undefined;
  /** The language asked for (body, else Accept-Language); null: the program's default. */
  locale: Locale | null;
  /** The request's country (`request.cf.country`); null when unknown or not the person's. */
  requestCountry?: string | null | undefined;
  /** The first look-up of the code, when the caller started it early (during hashing). */
  firstLookup?: Promise<SignupAttribution | null>;
  /** E.g. rate-limit counts that fail the batch past their limit: first, on every attempt. */
  guards?: BatchGuards;
  /** More writes of the caller for the same batch (e.g. the first session), per attempt. */
  alsoWrite?: (user: { id: string; now: number }) => Promise<BatchItem<"sqlite">[]>;
}

/**
 * THE signup: the user, their wallet and counters (by trigger) and — with a valid code —
 * the referral with both sides' rewards, plus the caller's own writes, in one D1 batch: all
 * of it happens or none. Register and back-end participant creation both come here.
 *
 * The referral claims the referrer's next ordinal (which decides the tier). The unique
 * index on (referrer, ordinal) rejects a claim that a concurrent signup made first; the
 * whole batch then rolls back and is planned again from a fresh read. Other constraint
 * failures (phone, externalId) are thrown for the caller to name.
 */
export async function signUp(
  deps: Pick<Deps, "db" | "config" | "outbox">,
  input: SignupInput,
  now: number,
): Promise<UserRow> {
  const { db, config } = deps;
  const phone = input.phone ? phoneFacts(input.phone) : { country: null, type: null };
  const requestCountry = input.requestCountry ?? null;
  // Refused here, before anything is written; entries that hold are kept for the referral.
  const blocklisted = await screenAgainstBlocklist(
    db,
    {
      phone: input.phone,
      phoneCountry: phone.country,
      requestCountry,
      ip: input.ip === UNKNOWN_IP ? null : input.ip,
      deviceId: input.deviceId ?? null,
    },
    now,
  );
  // Only salted hashes are kept, and compared with the referrer's (fraud holds).
  const fingerprint = {
    ipHash:
      input.ip === UNKNOWN_IP ? null : await hmacSha256Hex(config.ipHashSalt, `ip:${input.ip}`),
    deviceHash: input.deviceId
      ? await hmacSha256Hex(config.ipHashSalt, `device:${input.deviceId}`)
      : null,
  };
  const userId = newId("usr", now);

  for (let attempt = 1; attempt <= MAX_CONTENDED_ATTEMPTS; attempt++) {
    const attribution = await (attempt === 1 && input.firstLookup
      ? input.firstLookup
      : attributionFor(db, input.referral, now));
    const referrer = attribution?.referrer;
    // Asked for, else the program's default (known already when there is a referrer).
    const locale =
      input.locale ??
      referrer?.program.rules.defaultLocale ??
      (await currentProgram(db)).rules.defaultLocale;
    const newUser = {
      id: userId,
      name: input.name,
      phone: input.phone,
      passwordHash: input.passwordHash,
      role: input.role,
      referralCode: newReferralCode(),
      referredByUserId: referrer?.id ?? null,
      referredByCode: referrer?.referralCode ?? null,
      signupIpHash: fingerprint.ipHash,
      signupDeviceHash: fingerprint.deviceHash,
      externalId: input.externalId,
      createdAt: now,
      locale,
    };
    const user: UserRow = {
      id: userId,
      name: newUser.name,
      phone: newUser.phone,
      role: newUser.role,
      referralCode: newUser.referralCode,
      referralCodeCreatedAt: now,
      referredByCode: newUser.referredByCode,
      externalId: newUser.externalId,
      createdAt: now,
      phoneVerifiedAt: null,
      locale,
      notifications: true,
    };
    try {
      // The guards first, so that a refused count fails the batch before a taken phone does.
      const writes = behindGuards(input.guards, [
        insertUser(db, newUser),
        ...(await (input.alsoWrite?.({ id: userId, now }) ?? [])),
        ...webhookEventStatements(deps, { type: "user.created", data: toUser(user, config), now }),
        ...signupWrites(deps, {
          refereeId: userId,
          refereeName: input.name,
          referee: {
            ...fingerprint,
            blocklisted,
            phoneType: phone.type,
            phoneCountry: phone.country,
            requestCountry,
          },
          now,
          attribution,
        }),
      ]);
      await db.batch(writes);
    } catch (error) {
      const constraint = violatedConstraint(error);
      // A random code that someone holds or once held draws another.
      // So does a referrer erased since their code was read: the next look-up finds the code
      // retired (a typed code is then a 422, a cookie's is dropped).
      const lostARace =
        TAKEN_CODE_CONSTRAINTS.has(constraint ?? "") ||
        STALE_SNAPSHOT_CONSTRAINTS.has(constraint ?? "") ||
        isErasedUserRefusal(error);
      if (lostARace && attempt < MAX_CONTENDED_ATTEMPTS) {
        await pauseAfterLostRace(attempt);
        continue;
      }
      throw error;
    }
    return user;
  }
  throw new Error("unreachable: the signup loop either returns or throws");
}
