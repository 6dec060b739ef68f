import type { Database } from "../env";
import { DAY_MS } from "../lib/time";
import { findWallet, listExpiringCredits, listLedgerEntries } from "./store";

export const EXPIRY_NOTICE_DAYS = 30;

/**
 * Credits expiring soon, soonest first, no more in total than the balance: points already
 * spent cannot expire. Pure, over rows the caller has read.
 */
export function expiringSoon(
  balance: number,
  credits: readonly { points: number; expiresAt: number | null }[],
): { points: number; expiresAt: number }[] {
  const result: { points: number; expiresAt: number }[] = [];
  let left = balance;
  for (const credit of credits) {
    if (left <= 0 || credit.expiresAt === null) continue;
    const points = Math.min(credit.points, left);
    left -= points;
    result.push({ points, expiresAt: credit.expiresAt });
  }
  return result;
}

export async function walletOf(db: Database, userId: string, now: number = Date.now()) {
  const [wallet, credits] = await Promise.all([
    findWallet(db, userId),
    listExpiringCredits(db, userId, now, now + EXPIRY_NOTICE_DAYS * DAY_MS),
  ]);
  const balance = wallet?.balance ?? 0;
  return {
    balance,
    // Points not yet spendable (held or pending referrals) arrive with the program engine.
    pending: 0,
    lifetimeEarned: wallet?.lifetimeEarned ?? 0,
    lifetimeRedeemed: wallet?.lifetimeRedeemed ?? 0,
    expiring: expiringSoon(balance, credits),
  };
}

export async function transactionsOf(
  db: Database,
  userId: string,
  page: { limit: number; beforeSeq?: number | undefined },
) {
  return listLedgerEntries(db, userId, page);
}
