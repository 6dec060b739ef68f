import type { Config } from "../config";
import { ApiError } from "../errors";
import type { Locale } from "../i18n/locales";
import { renderMessage } from "../i18n/messages";
import type { CodeSender } from "../invites/senders";
import { takeSmsFromDailyBudget } from "../invites/sms-budget";
import { hmacSha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { newVerificationCode } from "../lib/ids";
import { smsRefusal } from "../lib/phone";
import { customTextOf } from "../messages/store";
import type { Deps } from "../platform/deps";
import { ipSubject, type RateLimiter, type RateLimitRule } from "../platform/rate-limit";
import { CODE_ATTEMPTS, CODE_TTL_MS, codeMessageKind, type VerificationPurpose } from "./rules";
import { putCode, spendAttempt, useCode } from "./store";

/**
 * Codes sent (each an SMS that costs money) and codes checked. Both count per purpose, so
 * strangers asking for reset codes or guessing them never use up what the signed-in owner
 * needs to verify their phone. Checks count per (purpose, phone, IP) and per IP, not per
 * phone: a guess from elsewhere, with or without a live code, spends nothing the owner
 * needs at their own address. A live code's own 5 tries are what bounds guesses at it from
 * many addresses (CODE_ATTEMPTS), and sends per phone bound how many codes there are.
 */
export const codeLimits = {
  sendsPerPhone: { name: "code-send-purpose-phone", limit: 5, windowSeconds: 3600 },
  sendsPerIp: { name: "code-send-ip", limit: 20, windowSeconds: 3600 },
  checksPerPhoneIp: { name: "code-check-purpose-phone-ip", limit: 10, windowSeconds: 900 },
  checksPerIp: { name: "code-check-ip", limit: 30, windowSeconds: 900 },
} satisfies Record<string, RateLimitRule>;

/** `defer` sends the SMS after the response (waitUntil): it does not hold the client up. */
export type CodeDeps = Pick<Deps, "db" | "config" | "rateLimiter" | "defer"> & {
  sender: CodeSender;
};

/** Who asks for or checks a code of which purpose, for which phone. */
export interface CodeRequest {
  purpose: VerificationPurpose;
  phone: string;
  ip: string;
}

/** Counts one code of `purpose` sent to `phone` from `ip`; 429 past either limit. */
export async function limitCodeSends(rateLimiter: RateLimiter, request: CodeRequest) {
  await rateLimiter.consumeAll([
    [codeLimits.sendsPerPhone, `${request.purpose} ${request.phone}`],
    [codeLimits.sendsPerIp, ipSubject(request.ip)],
  ]);
}

/** Counts one check of a `purpose` code for `phone` from `ip`; 429 past either limit. */
export async function limitCodeChecks(rateLimiter: RateLimiter, request: CodeRequest) {
  const ip = ipSubject(request.ip);
  await rateLimiter.consumeAll([
    [codeLimits.checksPerPhoneIp, `${request.purpose} ${request.phone} ${ip}`],
    [codeLimits.checksPerIp, ip],
  ]);
}

/** Keyed by user and purpose: a stolen table gives no codes, and no code serves two purposes. */
function hashCode(config: Config, userId: string, purpose: VerificationPurpose, code: string) {
  return hmacSha256Hex(config.ipHashSalt, `code:${purpose}:${userId}:${code}`);
}

/**
 * Makes a new code for the user (replacing any earlier one of that purpose), stores its
 * hash, and sends it by SMS after the response.
 */
export async function issueCode(
  deps: CodeDeps,
  user: { id: string; phone: string; locale: Locale },
  purpose: VerificationPurpose,
  now: number,
): Promise<void> {
  const code = newVerificationCode();
  await putCode(deps.db, {
    userId: user.id,
    purpose,
    codeHash: await hashCode(deps.config, user.id, purpose, code),
    expiresAt: now + CODE_TTL_MS,
    attempts: CODE_ATTEMPTS,
    now,
  }).run();
  deps.defer(
    sendCodeWithinBudget(deps, { purpose, to: user.phone, code, locale: user.locale }, now),
  );
}

/**
 * Codes count against the API's daily SMS budget like invites do, but may use all of it
 * (invites and notifications stop at their share). Over it, the code is not sent (a late
 * code is useless, so it is not queued): the user may ask again tomorrow. The admin's
 * wording is read here, after the response, alongside the budget.
 */
async function sendCodeWithinBudget(
  deps: CodeDeps,
  message: { purpose: VerificationPurpose; to: string; code: string; locale: Locale },
  now: number,
) {
  const kind = codeMessageKind[message.purpose];
  // A phone stored before such phones were refused at signup: no SMS, and no budget used.
  const refusal = smsRefusal(message.to);
  if (refusal) {
    console.error(`[${message.purpose}] the phone is ${refusal}; the code was not sent`);
    return;
  }
  try {
    const [withinBudget, customText] = await Promise.all([
      takeSmsFromDailyBudget(deps.db, deps.config.smsDailyBudget, now),
      customTextOf(deps.db, kind, message.locale),
    ]);
    if (!withinBudget) {
      console.error(`[${message.purpose}] the daily SMS budget is spent; the code was not sent`);
      return;
    }
    const custom = customText === null ? {} : { [kind]: customText };
    const text = renderMessage(kind, message.locale, { code: message.code }, custom);
    await deps.sender.sendCode({ purpose: message.purpose, to: message.to, text });
  } catch (error) {
    console.error(`[${message.purpose}] the code SMS was not accepted`, error);
  }
}

/**
 * Uses up the user's live code for `purpose` if `code` is it; otherwise answers 422
 * invalid_verification_code (wrong, expired, out of tries or already used). Every check
 * spends a try, and a right code works once, however many checks run in parallel.
 */
export async function redeemCode(
  deps: Pick<Deps, "db" | "config">,
  userId: string,
  purpose: VerificationPurpose,
  code: string,
  now: number,
): Promise<void> {
  const [stored, presented] = await Promise.all([
    spendAttempt(deps.db, userId, purpose, now),
    hashCode(deps.config, userId, purpose, code),
  ]);
  // Compared in constant time; with no live code, against nothing, so it simply fails.
  const matches = stored !== undefined && (await timingSafeEqualStrings(presented, stored));
  if (!stored || !matches || !(await useCode(deps.db, userId, purpose, stored, now))) {
    throw invalidCode();
  }
}

/** The one answer to any code that does not work, whatever the reason. */
export function invalidCode(): ApiError {
  return new ApiError(
    "invalid_verification_code",
    "The code is wrong, expired or already used; ask for a new one.",
  );
}
