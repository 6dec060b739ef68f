/**
 * Writes planned on a snapshot (a referrer's next place, a budget's room) that lose a race
 * to a parallel write are planned again from a fresh read: in a burst of N writers on one
 * referrer, each round has one winner, so the last needs N attempts. Enough for a code
 * shared by someone with a following; past it, the write fails rather than spin.
 */
export const MAX_CONTENDED_ATTEMPTS = 64;

/**
 * The pause before planning again after the `attempt`-th lost race: random, and growing to
 * 64 ms, so that a burst spreads over successive rounds instead of colliding in each.
 */
export function pauseAfterLostRace(attempt: number): Promise<void> {
  const ceilingMs = Math.min(64, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}
