/**
 * The program rule `requireVerifiedPhone`: a referral waits (pending) until its referee has
 * verified their phone. Verification then qualifies it through the one qualification path.
 */

import type { Database } from "../db/client";
import type { EventDeps } from "../platform/deps";
import { readyToQualify } from "../program/rules";
import type { ProgramRules } from "../program/schemas";
import { programVersion } from "../program/store";
import { findUserById } from "../users/store";
import { qualifyReferral } from "./qualification";
import { findReferralOfReferee, firstEventOf } from "./store";

/**
 * Whether the referee's referral may pay now that its qualifying step (its first qualifying event, or the
 * signup itself) is done: reads the referee's phone only when the program asks for it.
 */
export async function mayQualify(
  db: Database,
  rules: ProgramRules,
  refereeId: string,
  qualifyingEventSeen: boolean,
): Promise<boolean> {
  const phoneVerified =
    !rules.requireVerifiedPhone ||
    ((await findUserById(db, refereeId))?.phoneVerifiedAt ?? null) !== null;
  return readyToQualify(rules, { qualifyingEventSeen, phoneVerified });
}

/**
 * After the referee verified their phone: qualifies their referral if it was waiting only
 * for that. Returns whether it qualified (a parallel qualification makes it false).
 */
export async function qualifyOnVerifiedPhone(
  deps: EventDeps,
  refereeId: string,
  now: number,
): Promise<boolean> {
  const { db } = deps;
  const referral = await findReferralOfReferee(db, refereeId);
  if (referral?.status !== "pending") return false;
  const { rules } = await programVersion(db, referral.programVersion);
  if (!rules.requireVerifiedPhone) return false;
  const byEvent = await firstEventOf(db, refereeId, rules);
  if (!readyToQualify(rules, { qualifyingEventSeen: byEvent !== null, phoneVerified: true })) {
    return false;
  }
  return qualifyReferral(deps, referral.id, { byEvent }, now);
}
