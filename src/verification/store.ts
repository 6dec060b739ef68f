import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { verificationCodes } from "../db/schema";
import type { VerificationPurpose } from "./rules";

export interface NewCode {
  userId: string;
  purpose: VerificationPurpose;
  codeHash: string;
  expiresAt: number;
  attempts: number;
  now: number;
}

/** Stores a user's new code for a purpose; it replaces any earlier one (one live code each). */
export function putCode(db: Database, code: NewCode) {
  const fresh = {
    codeHash: code.codeHash,
    expiresAt: code.expiresAt,
    attemptsLeft: code.attempts,
    usedAt: null,
    createdAt: code.now,
  };
  return db
    .insert(verificationCodes)
    .values({ userId: code.userId, purpose: code.purpose, ...fresh })
    .onConflictDoUpdate({
      target: [verificationCodes.userId, verificationCodes.purpose],
      set: fresh,
    });
}

const live = (userId: string, purpose: VerificationPurpose, now: number) =>
  and(
    eq(verificationCodes.userId, userId),
    eq(verificationCodes.purpose, purpose),
    isNull(verificationCodes.usedAt),
    gt(verificationCodes.expiresAt, now),
  );

/**
 * Spends one attempt of the live code and returns its hash, or nothing when there is no
 * live code with attempts left. One statement: parallel guesses cannot share an attempt.
 */
export async function spendAttempt(
  db: Database,
  userId: string,
  purpose: VerificationPurpose,
  now: number,
): Promise<string | undefined> {
  const row = await db
    .update(verificationCodes)
    .set({ attemptsLeft: sql`${verificationCodes.attemptsLeft} - 1` })
    .where(and(live(userId, purpose, now), gt(verificationCodes.attemptsLeft, 0)))
    .returning({ codeHash: verificationCodes.codeHash })
    .get();
  return row?.codeHash;
}

/** Marks the code used; false when a parallel check used it first (a code works once). */
export async function useCode(
  db: Database,
  userId: string,
  purpose: VerificationPurpose,
  codeHash: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .update(verificationCodes)
    .set({ usedAt: now })
    .where(and(live(userId, purpose, now), eq(verificationCodes.codeHash, codeHash)))
    .run();
  return result.meta.changes === 1;
}
