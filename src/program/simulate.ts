import type { Database } from "../db/client";
import { DAY_MS } from "../lib/time";
import type { ProgramRules } from "./schemas";
import { simulateReferrals } from "./simulation";
import { referralsToReplay } from "./simulation-store";
import { currentProgram } from "./store";

/**
 * What the referrals created in the last `days` brought under the rules in force and
 * would have brought under `draft`: one bounded read, two pure replays, nothing written.
 */
export async function simulateProgram(
  db: Database,
  draft: ProgramRules,
  days: number,
  now: number,
) {
  const { rules: current } = await currentProgram(db);
  const qualifyingTypes = [current.qualification, draft.qualification].filter(
    (type) => type !== "signup",
  );
  const referrals = await referralsToReplay(db, now - days * DAY_MS, [...new Set(qualifyingTypes)]);
  return {
    days,
    referrals: referrals.length,
    current: simulateReferrals(referrals, current),
    draft: simulateReferrals(referrals, draft),
  };
}
