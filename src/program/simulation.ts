/**
 * The replay behind `POST /v1/admin/program/simulations`: what a window's referrals would
 * have brought under some rules. Pure: it decides from what happened (signups, the
 * referees' events, phone verifications, fraud holds, refunds) and never from what was paid.
 */
import { milestonesReached, qualifiesByEvent, referrerPointsFor } from "./rules";
import type { ProgramRules } from "./schemas";

/** One referral of the window as it happened. */
export interface ReplayedReferral {
  id: string;
  referrerId: string;
  createdAt: number;
  status: "pending" | "qualified" | "held" | "rejected";
  /** When it qualified, if it did (a reversed one too). */
  qualifiedAt: number | null;
  refereeVerifiedAt: number | null;
  /** When a side was erased: one erased before the referral qualifies is not paid. */
  referrerErasedAt: number | null;
  refereeErasedAt: number | null;
  /** The referrer's qualified places claimed before the window. */
  placesBefore: number;
  /** The referee's events of the types the rules qualify by, oldest first. */
  events: readonly { type: string; amount: number | null; at: number }[];
}

export interface SimulationOutcome {
  qualified: number;
  held: number;
  referrerPoints: number;
  refereePoints: number;
  bonusPoints: number;
  totalPoints: number;
}

/**
 * When a referral qualifies under `rules` (and by what amount), or null if it never does:
 * at signup, or at the referee's first event that qualifies (at least `minimumAmount`),
 * not before a phone verification the rules require, nor before an admin's approval that
 * really qualified it: the order of places is the order things would have happened in.
 */
function qualificationUnder(
  referral: ReplayedReferral,
  rules: ProgramRules,
): { at: number; amount: number | null } | null {
  let step: { at: number; amount: number | null } | null;
  if (rules.qualification === "signup") {
    step = { at: referral.createdAt, amount: null };
  } else {
    const event = referral.events.find((candidate) => qualifiesByEvent(rules, candidate));
    step = event ? { at: Math.max(event.at, referral.createdAt), amount: event.amount } : null;
  }
  if (step === null) return null;
  if (rules.requireVerifiedPhone) {
    if (referral.refereeVerifiedAt === null) return null;
    step = { ...step, at: Math.max(step.at, referral.refereeVerifiedAt) };
  }
  return { ...step, at: Math.max(step.at, approvedAt(referral) ?? step.at) };
}

/**
 * When an admin's approval qualified the referral, if one did: a qualification by a step
 * (signup, event, verification) is stamped with that step's own time; a later one is an
 * approval, which a replay keeps (a held referral pays only once approved).
 */
function approvedAt(referral: ReplayedReferral): number | null {
  const at = referral.qualifiedAt;
  if (at === null) return null;
  const byStep =
    at === referral.createdAt ||
    at === referral.refereeVerifiedAt ||
    referral.events.some((event) => event.at === at);
  return byStep ? null : at;
}

/**
 * Replays `referrals` through `rules`. A held referral stays held (its fraud signals are
 * of the moment it was made, and it pays nothing until approved); one an admin rejected
 * pays nothing; one reversed by a refund claims its place but keeps nothing. Every other
 * referral qualifies when and if the rules say so, places are claimed per referrer in the
 * order referrals qualify (after the places claimed before the window), and each pays its
 * place's tier (a percent tier on its event's amount), the referee's bonus and the
 * milestone bonuses of the place. A side erased before it qualifies gets nothing.
 *
 * @example simulateReferrals([], defaultRules) // { qualified: 0, held: 0, …, totalPoints: 0 }
 */
export function simulateReferrals(
  referrals: readonly ReplayedReferral[],
  rules: ProgramRules,
): SimulationOutcome {
  const outcome = {
    qualified: 0,
    held: 0,
    referrerPoints: 0,
    refereePoints: 0,
    bonusPoints: 0,
    totalPoints: 0,
  };
  const qualifying: { referral: ReplayedReferral; at: number; amount: number | null }[] = [];
  for (const referral of referrals) {
    if (referral.status === "held") {
      outcome.held += 1;
      continue;
    }
    // Rejected without ever qualifying: an admin refused it.
    if (referral.status === "rejected" && referral.qualifiedAt === null) continue;
    const step = qualificationUnder(referral, rules);
    if (step) qualifying.push({ referral, ...step });
  }
  qualifying.sort(
    (a, b) =>
      a.at - b.at ||
      a.referral.createdAt - b.referral.createdAt ||
      a.referral.id.localeCompare(b.referral.id),
  );
  const places = new Map<string, number>();
  const erasedBy = (erasedAt: number | null, at: number) => erasedAt !== null && erasedAt <= at;
  for (const { referral, at, amount } of qualifying) {
    const place = (places.get(referral.referrerId) ?? referral.placesBefore) + 1;
    places.set(referral.referrerId, place);
    // Reversed by a refund: everything it brought was taken back.
    if (referral.status === "rejected") continue;
    outcome.qualified += 1;
    if (!erasedBy(referral.referrerErasedAt, at)) {
      outcome.referrerPoints += referrerPointsFor(place, rules.referrerTiers, amount);
      for (const milestone of milestonesReached(place - 1, place, rules.milestones)) {
        outcome.bonusPoints += milestone.bonusPoints;
      }
    }
    if (!erasedBy(referral.refereeErasedAt, at)) outcome.refereePoints += rules.refereeBonus;
  }
  outcome.totalPoints = outcome.referrerPoints + outcome.refereePoints + outcome.bonusPoints;
  return outcome;
}
