import type { Database } from "../db/client";
import { DAY_MS } from "../lib/time";
import { findWallet, listExpiringLots } from "./store";

export const EXPIRY_NOTICE_DAYS = 30;

export async function walletOf(db: Database, userId: string, now: number) {
  const [wallet, expiring] = await Promise.all([
    findWallet(db, userId, now),
    listExpiringLots(db, userId, now, now + EXPIRY_NOTICE_DAYS * DAY_MS),
  ]);
  const balance = wallet?.balance ?? 0;
  return {
    balance,
    pending: wallet?.pending ?? 0,
    lifetimeEarned: wallet?.lifetimeEarned ?? 0,
    lifetimeRedeemed: wallet?.lifetimeRedeemed ?? 0,
    expiring,
  };
}
