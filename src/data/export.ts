/**
 * GET /v1/me/export: everything held about the caller, as one JSON document. Secrets
 * never leave (no password hash, no refresh token or its hash, no IP or device hash);
 * other people appear as they do elsewhere in the API (masked names).
 */
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { maskName } from "../lib/names";
import { toIso, toIsoOrNull } from "../lib/time";
import { personalData } from "./export-store";

export async function exportMyData(db: Database, userId: string, now: number) {
  const data = await personalData(db, userId);
  if (!data.profile) {
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  }
  const { profile } = data;
  return {
    exportedAt: toIso(now),
    profile: {
      id: profile.id,
      name: profile.name,
      phone: profile.phone,
      role: profile.role,
      referralCode: profile.referralCode,
      createdAt: toIso(profile.createdAt),
    },
    referralCodes: data.codes.map((code) => ({
      ...code,
      createdAt: toIso(code.createdAt),
      retiredAt: toIsoOrNull(code.retiredAt),
    })),
    referredBy: profile.referredByCode === null ? null : { code: profile.referredByCode },
    referralsMade: data.made.map((referral) => ({
      ...referral,
      name: maskName(referral.name),
      createdAt: toIso(referral.createdAt),
      qualifiedAt: toIsoOrNull(referral.qualifiedAt),
    })),
    wallet: data.wallet ?? { balance: 0, lifetimeEarned: 0, lifetimeRedeemed: 0 },
    transactions: data.transactions.map((entry) => ({
      ...entry,
      expiresAt: toIsoOrNull(entry.expiresAt),
      createdAt: toIso(entry.createdAt),
    })),
    redemptions: data.redeemed.map((redemption) => ({
      ...redemption,
      createdAt: toIso(redemption.createdAt),
    })),
    invites: data.invited.map((invite) => ({
      ...invite,
      createdAt: toIso(invite.createdAt),
      sentAt: toIsoOrNull(invite.sentAt),
      joinedAt: toIsoOrNull(invite.joinedAt),
    })),
    unlocks: data.unlocked.map((unlock) => ({ ...unlock, grantedAt: toIso(unlock.grantedAt) })),
    sessions: data.sessionRows.map((session) => ({
      id: session.id,
      createdAt: toIso(session.createdAt),
      lastUsedAt: toIsoOrNull(session.lastUsedAt ?? null),
      revokedAt: toIsoOrNull(session.revokedAt),
    })),
  };
}
