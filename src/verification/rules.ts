import type { verificationPurposes } from "../db/schema";
import type { MessageKind } from "../i18n/kinds";

export type VerificationPurpose = (typeof verificationPurposes)[number];

/** A code is good for 10 minutes and 5 tries (a right one included); then it is spent. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_ATTEMPTS = 5;

/**
 * The message that carries a code of each purpose (src/i18n): it says what the code is for,
 * so that a phished code looks suspicious.
 */
export const codeMessageKind = {
  phone_verification: "verification_code",
  password_reset: "password_reset_code",
} as const satisfies Record<VerificationPurpose, MessageKind>;
