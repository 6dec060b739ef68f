/** The reads of a personal-data export (src/data/export.ts): every table that holds the person. */
import { and, asc, eq, max } from "drizzle-orm";
import type { Database } from "../db/client";
import {
  invites,
  ledgerEntries,
  redemptions,
  referralCodes,
  referrals,
  refreshTokens,
  sessions,
  unlocks,
  users,
  wallets,
} from "../db/schema";

export async function personalData(db: Database, userId: string) {
  const [profile, codes, made, wallet, transactions, redeemed, invited, unlocked, sessionRows] =
    await Promise.all([
      db
        .select({
          id: users.id,
          name: users.name,
          phone: users.phone,
          role: users.role,
          referralCode: users.referralCode,
          referredByCode: users.referredByCode,
          createdAt: users.createdAt,
        })
        .from(users)
        .where(eq(users.id, userId))
        .get(),
      db
        .select({
          code: referralCodes.code,
          kind: referralCodes.kind,
          status: referralCodes.status,
          createdAt: referralCodes.createdAt,
          retiredAt: referralCodes.retiredAt,
        })
        .from(referralCodes)
        .where(eq(referralCodes.userId, userId))
        .orderBy(asc(referralCodes.createdAt))
        .all(),
      db
        .select({
          id: referrals.id,
          name: users.name,
          ordinal: referrals.ordinal,
          code: referrals.code,
          status: referrals.status,
          source: referrals.source,
          points: referrals.referrerPoints,
          createdAt: referrals.createdAt,
          qualifiedAt: referrals.qualifiedAt,
        })
        .from(referrals)
        .innerJoin(users, eq(users.id, referrals.refereeId))
        .where(eq(referrals.referrerId, userId))
        .orderBy(asc(referrals.ordinal))
        .all(),
      db
        .select({
          balance: wallets.balance,
          lifetimeEarned: wallets.lifetimeEarned,
          lifetimeRedeemed: wallets.lifetimeRedeemed,
        })
        .from(wallets)
        .where(eq(wallets.userId, userId))
        .get(),
      db
        .select({
          id: ledgerEntries.id,
          type: ledgerEntries.type,
          points: ledgerEntries.points,
          balanceAfter: ledgerEntries.balanceAfter,
          description: ledgerEntries.description,
          expiresAt: ledgerEntries.expiresAt,
          createdAt: ledgerEntries.createdAt,
        })
        .from(ledgerEntries)
        .where(eq(ledgerEntries.userId, userId))
        .orderBy(asc(ledgerEntries.seq))
        .all(),
      db
        .select({
          id: redemptions.id,
          rewardId: redemptions.rewardId,
          cost: redemptions.cost,
          couponCode: redemptions.couponCode,
          createdAt: redemptions.createdAt,
        })
        .from(redemptions)
        .where(eq(redemptions.userId, userId))
        .orderBy(asc(redemptions.createdAt))
        .all(),
      db
        .select({
          id: invites.id,
          channel: invites.channel,
          recipient: invites.recipient,
          message: invites.message,
          status: invites.status,
          createdAt: invites.createdAt,
          sentAt: invites.sentAt,
          joinedAt: invites.joinedAt,
        })
        .from(invites)
        // Invites the person sent; the notifications sent to them are not "invited".
        .where(and(eq(invites.userId, userId), eq(invites.purpose, "invite")))
        .orderBy(asc(invites.createdAt))
        .all(),
      db
        .select({ unlock: unlocks.unlock, source: unlocks.source, grantedAt: unlocks.grantedAt })
        .from(unlocks)
        .where(eq(unlocks.userId, userId))
        .all(),
      // A session was last used when its newest refresh token was issued.
      db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          revokedAt: sessions.revokedAt,
          lastUsedAt: max(refreshTokens.createdAt),
        })
        .from(sessions)
        .leftJoin(refreshTokens, eq(refreshTokens.sessionId, sessions.id))
        .where(eq(sessions.userId, userId))
        .groupBy(sessions.id)
        .orderBy(asc(sessions.createdAt))
        .all(),
    ]);
  return {
    profile,
    codes,
    made,
    wallet,
    transactions,
    redeemed,
    invited,
    unlocked,
    sessionRows,
  };
}
