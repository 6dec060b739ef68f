import type { verificationPurposes } from "../db/schema";

export type VerificationPurpose = (typeof verificationPurposes)[number];

/** A code is good for 10 minutes and 5 tries (a right one included); then it is spent. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_ATTEMPTS = 5;

/** The SMS that carries a code: what it is for, so that a phished code looks suspicious. */
export function codeText(purpose: VerificationPurpose, code: string): string {
  const what = purpose === "password_reset" ? "reset your password" : "verify your phone";
  return `${code} is your code to ${what}. It expires in 10 minutes. Never share it.`;
}
