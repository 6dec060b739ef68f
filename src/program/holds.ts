import type { ProgramRules } from "./schemas";

/** Why a referral waits for an admin instead of paying: pure rules over what a signup knows. */
/** What a signup knows about the people behind a referral, for fraud decisions. */
export interface FraudSignals {
  sameDevice: boolean;
  sameIp: boolean;
  /** The referrer's referrals rewarded in the last day and in this calendar month. */
  rewardedToday: number;
  rewardedThisMonth: number;
  /** Block list entries with action `hold` that the referee matched. */
  blocklisted?: readonly { entryId: string; type: string; value: string; on?: string }[];
  /** The referee phone's libphonenumber type and country, and the request's country. */
  phoneType?: string | null;
  phoneCountry?: string | null;
  requestCountry?: string | null;
}

export type HoldReason =
  | "same_device"
  | "same_ip"
  | "daily_cap"
  | "monthly_cap"
  | "blocklisted"
  | "phone_type"
  | "country_mismatch"
  | "budget_exhausted";

/**
 * A reason to hold, with what it matched for the review queue (words-free: the console
 * words it): the block list entry, the phone type, the two countries, the budget.
 */
export interface Hold {
  code: HoldReason;
  detail?: Record<string, string | number>;
}

/**
 * The velocity caps a referrer is at: as many rewarded referrals today, or this month, as
 * the program allows. Checked when a referral is made and again when a waiting one
 * qualifies, so that referrals made together while the referrer was under the cap do not
 * all pay later.
 */
export function capHolds(
  rewarded: { rewardedToday: number; rewardedThisMonth: number },
  rules: Pick<ProgramRules, "caps">,
): Hold[] {
  const holds: Hold[] = [];
  if (rules.caps.perDay !== null && rewarded.rewardedToday >= rules.caps.perDay) {
    holds.push({ code: "daily_cap", detail: { cap: rules.caps.perDay } });
  }
  if (rules.caps.perMonth !== null && rewarded.rewardedThisMonth >= rules.caps.perMonth) {
    holds.push({ code: "monthly_cap", detail: { cap: rules.caps.perMonth } });
  }
  return holds;
}

/**
 * Why a new referral must wait for review, if it must: a referee on the referrer's own
 * device or network, a referrer past the program's velocity caps, a referee held by the
 * block list, by their phone's type or by a phone from another country than the request.
 */
export function holdsOf(signals: FraudSignals, rules: ProgramRules): Hold[] {
  const holds: Hold[] = [];
  if (signals.sameDevice) holds.push({ code: "same_device" });
  if (signals.sameIp) holds.push({ code: "same_ip" });
  holds.push(...capHolds(signals, rules));
  for (const match of signals.blocklisted ?? []) {
    const { entryId, type, value, on } = match;
    holds.push({ code: "blocklisted", detail: { entryId, type, value, ...(on ? { on } : {}) } });
  }
  const phoneType = signals.phoneType ?? null;
  if (phoneType !== null && (rules.holdPhoneTypes as readonly string[]).includes(phoneType)) {
    holds.push({ code: "phone_type", detail: { phoneType } });
  }
  const { phoneCountry, requestCountry } = signals;
  if (rules.holdOnCountryMismatch && phoneCountry && requestCountry) {
    if (phoneCountry !== requestCountry.toUpperCase()) {
      holds.push({ code: "country_mismatch", detail: { phoneCountry, requestCountry } });
    }
  }
  return holds;
}

/** The codes of `holdsOf`. */
export function holdReasons(signals: FraudSignals, rules: ProgramRules): HoldReason[] {
  return holdsOf(signals, rules).map((hold) => hold.code);
}

/** Points paid so far in the current UTC day and calendar month (all referrals). */
export interface BudgetUsage {
  day: number;
  month: number;
}

/**
 * The hold for a payment of `points` that would pass the program's daily or monthly
 * budget, or null. The database enforces the same limit (points_budget_usage): this keeps
 * the usual case from failing a batch.
 *
 * @example budgetHold({ ...rules, budget: { pointsPerDay: 100, pointsPerMonth: null } }, { day: 90, month: 90 }, 70)
 * // { code: "budget_exhausted", detail: { period: "day", budget: 100, used: 90, points: 70 } }
 */
export function budgetHold(rules: ProgramRules, used: BudgetUsage, points: number): Hold | null {
  for (const [period, budget, spent] of [
    ["day", rules.budget.pointsPerDay, used.day],
    ["month", rules.budget.pointsPerMonth, used.month],
  ] as const) {
    if (budget !== null && spent + points > budget) {
      return { code: "budget_exhausted", detail: { period, budget, used: spent, points } };
    }
  }
  return null;
}
