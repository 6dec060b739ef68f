import type { Database } from "../db/client";
import { maskName } from "../lib/names";
import { type LeaderboardPeriod, periodKey, rankRows } from "./rules";
import { leaderboardEntryOf, topOfBoard, usersAhead } from "./store";

export async function leaderboard(
  db: Database,
  period: LeaderboardPeriod,
  limit: number,
  now: number,
) {
  const rows = await topOfBoard(db, periodKey(period, now), limit);
  return rankRows(rows).map(({ rank, name, referrals }) => ({
    rank,
    name: maskName(name),
    referrals,
  }));
}

/** The caller's place: rank = 1 + users with more qualified referrals (ties share a rank). */
export async function myStanding(
  db: Database,
  period: LeaderboardPeriod,
  userId: string,
  now: number,
) {
  const key = periodKey(period, now);
  const entry = await leaderboardEntryOf(db, key, userId);
  if (!entry || entry.referrals === 0) return null;
  return { rank: (await usersAhead(db, key, entry.referrals)) + 1, referrals: entry.referrals };
}
