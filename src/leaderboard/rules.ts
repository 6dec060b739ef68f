import { isoWeekOf, monthOf } from "../lib/time";

export const leaderboardPeriods = ["week", "month", "all"] as const;
export type LeaderboardPeriod = (typeof leaderboardPeriods)[number];

/**
 * The counter key of a period at an instant: every qualified referral counts in the
 * current week's, the current month's and the all-time board.
 *
 * @example periodKey("week", Date.UTC(2026, 10, 25)) // "w:2026-W48"
 */
export function periodKey(period: LeaderboardPeriod, now: number): string {
  if (period === "week") return `w:${isoWeekOf(now)}`;
  if (period === "month") return `m:${monthOf(now)}`;
  return "all";
}

/**
 * Competition ranking ("1, 2, 2, 4") over rows sorted by referrals, most first: users
 * with equal counts share a rank.
 */
export function rankRows<Row extends { referrals: number }>(
  rows: readonly Row[],
): (Row & { rank: number })[] {
  const ranked: (Row & { rank: number })[] = [];
  for (const [i, row] of rows.entries()) {
    const previous = ranked[i - 1];
    ranked.push({ ...row, rank: previous?.referrals === row.referrals ? previous.rank : i + 1 });
  }
  return ranked;
}
