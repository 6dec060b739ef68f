/** The writes of an erasure (src/data/erase.ts), for one D1 batch. */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import {
  invites,
  redemptions,
  referralCodes,
  sessions,
  users,
  verificationCodes,
} from "../db/schema";

/** What an erased user's name becomes wherever it is shown (masked or not). */
export const ERASED_NAME = "Deleted user";

/**
 * users.phone is unique and required: an erased row holds a tombstone unique to it, which
 * no phone number normalizes to (E.164 starts with "+"), so the number is free again and
 * nobody can sign in as the row.
 */
export function erasedPhone(userId: string): string {
  return `erased:${userId}`;
}

export async function findErasable(db: Database, userId: string) {
  return db
    .select({
      id: users.id,
      phone: users.phone,
      passwordHash: users.passwordHash,
      referralCode: users.referralCode,
      erasedAt: users.erasedAt,
    })
    .from(users)
    .where(eq(users.id, userId))
    .get();
}

export async function codesOf(db: Database, userId: string) {
  const rows = await db
    .select({ normalized: referralCodes.normalized })
    .from(referralCodes)
    .where(eq(referralCodes.userId, userId))
    .all();
  return rows.map((row) => row.normalized);
}

/**
 * The person goes; their rows stay for the books. The user row keeps its id (ledger,
 * referrals, leaderboard and counters point at it, so every other user's numbers stay
 * exact) but loses name, phone, password hash and fingerprints; every session is revoked;
 * every code they held or hold is retired (and stays reserved: nobody else can take a code
 * already printed on someone's flyer); the people they invited are erased from the outbox.
 * `legacy_id` stays, so that re-running an old import cannot bring the person back.
 */
export function eraseWrites(db: Database, userId: string, now: number) {
  return [
    db
      .update(users)
      .set({
        name: ERASED_NAME,
        phone: erasedPhone(userId),
        // No password: nothing signs in as the row.
        passwordHash: null,
        role: "user",
        signupIpHash: null,
        signupDeviceHash: null,
        phoneVerifiedAt: null,
        // The shop may create a participant with its id again, as the phone may register again.
        externalId: null,
        erasedAt: now,
      })
      .where(eq(users.id, userId)),
    db
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    db
      .update(referralCodes)
      .set({ status: "retired", retiredAt: now })
      .where(and(eq(referralCodes.userId, userId), eq(referralCodes.status, "active"))),
    // Queued invites are not sent any more; sent ones keep their status for the funnel.
    db
      .update(invites)
      .set({ status: "failed", lastError: "sender erased", nextAttemptAt: null })
      .where(and(eq(invites.userId, userId), eq(invites.status, "queued"))),
    db
      .update(invites)
      .set({ recipient: "erased", message: null })
      .where(eq(invites.userId, userId)),
    // Unused coupons can no longer be used at a checkout (nobody holds them any more).
    db
      .update(redemptions)
      .set({ couponStatus: "void", voidedAt: now, voidReason: "Account erased" })
      .where(and(eq(redemptions.userId, userId), eq(redemptions.couponStatus, "issued"))),
    db.delete(verificationCodes).where(eq(verificationCodes.userId, userId)),
  ] as const;
}
