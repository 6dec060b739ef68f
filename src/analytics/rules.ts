import { DAY_MS, dayOf } from "../lib/time";

export interface DayCounters {
  day: string;
  clicks: number;
  signups: number;
  referredSignups: number;
  qualified: number;
}

export interface DaySourceCounters {
  day: string;
  source: string;
  clicks: number;
  signups: number;
}

/** Every day from `from` to `to` (inclusive, "YYYY-MM-DD"), zeros where nothing happened. */
export function dailySeries(from: string, to: string, rows: readonly DayCounters[]) {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const series: { date: string; clicks: number; signups: number; qualified: number }[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) {
    const date = dayOf(t);
    const row = byDay.get(date);
    series.push({
      date,
      clicks: row?.clicks ?? 0,
      signups: row?.signups ?? 0,
      qualified: row?.qualified ?? 0,
    });
  }
  return series;
}

/** The program's funnel over a date range, from its daily counters. */
export function programAnalytics(
  range: { from: string; to: string },
  days: readonly DayCounters[],
  sources: readonly DaySourceCounters[],
) {
  const total = (key: keyof Omit<DayCounters, "day">) =>
    days.reduce((sum, row) => sum + row[key], 0);
  const bySource: Record<string, { clicks: number; signups: number }> = {};
  for (const row of sources) {
    const entry = bySource[row.source] ?? { clicks: 0, signups: 0 };
    bySource[row.source] = {
      clicks: entry.clicks + row.clicks,
      signups: entry.signups + row.signups,
    };
  }
  const referredSignups = total("referredSignups");
  const qualified = total("qualified");
  return {
    from: range.from,
    to: range.to,
    clicks: total("clicks"),
    signups: total("signups"),
    referredSignups,
    qualified,
    conversionRate: conversionRate(qualified, referredSignups),
    bySource,
    daily: dailySeries(range.from, range.to, days),
  };
}

/** What `conversionRate` means, for the API document (GET /v1/me/stats, admin analytics). */
export const CONVERSION_RATE_NOTE =
  "Qualified ÷ referred signups, a fraction in [0, 1] (0 when there are none); imported referrals count on both sides.";

/**
 * Qualified referrals per referred signup: a fraction in [0, 1] to four decimals, 0 before
 * the first signup. Over a date range a referral may qualify inside it after signing up
 * before it, so the ratio is capped at 1.
 *
 * @example conversionRate(3, 4) // 0.75
 */
export function conversionRate(qualified: number, referredSignups: number): number {
  if (referredSignups <= 0) return 0;
  return Math.round(Math.min(1, Math.max(0, qualified / referredSignups)) * 10_000) / 10_000;
}
