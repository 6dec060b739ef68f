export const DAY_MS = 86_400_000;

export function toIso(millis: number): string {
  return new Date(millis).toISOString();
}

export function toIsoOrNull(millis: number | null): string | null {
  return millis === null ? null : toIso(millis);
}

/** The UTC calendar day: "2026-11-25". */
export function dayOf(millis: number): string {
  return toIso(millis).slice(0, 10);
}

/** The ISO-8601 week of a UTC instant: "2026-W48" (weeks start on Monday). */
export function isoWeekOf(millis: number): string {
  const date = new Date(millis);
  const weekday = (date.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the ISO year.
  const thursday = Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate() - weekday + 3,
  );
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The UTC month: "2026-11". */
export function monthOf(millis: number): string {
  return toIso(millis).slice(0, 7);
}
