import { eq } from "drizzle-orm";
import { violatedConstraint } from "../db/client";
import { users } from "../db/schema";
import { ApiError } from "../errors";
import {
  canonicalReferralCode,
  isWellFormedReferralCode,
  newReferralCode,
  VANITY_CODE_LENGTH,
} from "../lib/ids";
import { forgetLinkCodes } from "../links/service";
import type { Deps } from "../platform/deps";
import { findUserById, type UserRow } from "../users/store";

/** Vanity codes nobody may take: they could pass for the service itself. */
const RESERVED_CODES = new Set([
  "TEST",
  "STAFF",
  "TEAM",
  "FREE",
  "CASH",
  "BANK",
  "MANAGER",
  "SECURE",
  "UPDATE",
  "REFUND",
  "PAYMENT",
  "PAYMENTS",
  "REWARD",
  "REWARDS",
  "SYSTEM",
  "MASTER",
  "NEWS",
]);

function invalidCode(message: string): ApiError {
  return new ApiError("validation_error", "The request is not valid.", {
    details: [{ path: "code", message }],
  });
}

/** A vanity code as stored, or a 400 saying what is wrong with it. */
export function vanityCode(input: string): string {
  const code = canonicalReferralCode(input);
  if (!isWellFormedReferralCode(code)) {
    throw invalidCode(
      `must be ${VANITY_CODE_LENGTH.min}–${VANITY_CODE_LENGTH.max} characters from 2–9 and A–Z without I, L and O`,
    );
  }
  if (RESERVED_CODES.has(code)) throw invalidCode(`${code} is reserved`);
  return code;
}

const MAX_RANDOM_ATTEMPTS = 5;

/** Codes that another user holds or once held (see the referral_codes table). */
export const TAKEN_CODE_CONSTRAINTS = new Set(["users.referral_code", "referral_codes.normalized"]);

/**
 * Gives the user a new referral code: a random one, or the vanity `requested`. The old
 * code stops working at once (its link cache is dropped); referrals already made keep it.
 * It stays reserved to the user, who may take it back; nobody else can (a trigger keeps
 * referral_codes in step, and its key refuses another owner). A new code starts a new
 * expiry period.
 */
export async function changeReferralCode(
  { db, kv }: Pick<Deps, "db" | "kv">,
  userId: string,
  requested: string | null,
  now: number,
): Promise<UserRow> {
  const user = await findUserById(db, userId);
  if (!user)
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  const wanted = requested === null ? null : vanityCode(requested);
  if (wanted === user.referralCode) return user;
  for (let attempt = 1; ; attempt++) {
    const code = wanted ?? newReferralCode();
    try {
      await db
        .update(users)
        .set({ referralCode: code, referralCodeCreatedAt: now })
        .where(eq(users.id, userId))
        .run();
    } catch (error) {
      if (!TAKEN_CODE_CONSTRAINTS.has(violatedConstraint(error) ?? "")) throw error;
      if (wanted) throw new ApiError("referral_code_taken", `The code ${wanted} is taken.`);
      if (attempt < MAX_RANDOM_ATTEMPTS) continue;
      throw error;
    }
    await forgetLinkCodes(kv, [user.referralCode, code]);
    return { ...user, referralCode: code, referralCodeCreatedAt: now };
  }
}
