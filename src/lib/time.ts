export const DAY_MS = 86_400_000;

export function toIso(millis: number): string {
  return new Date(millis).toISOString();
}

export function toIsoOrNull(millis: number | null): string | null {
  return millis === null ? null : toIso(millis);
}
