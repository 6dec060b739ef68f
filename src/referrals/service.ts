import { sourceStatsOf } from "../analytics/store";
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { markInviteJoined } from "../invites/store";
import { canonicalReferralCode, isLookupableReferralCode, newId } from "../lib/ids";
import { maskName } from "../lib/names";
import type { EventDeps } from "../platform/deps";
import { codeExpiresAt, planReferralSignup } from "../program/rules";
import type { Program } from "../program/schemas";
import { currentProgram } from "../program/store";
import { findReferrerByCode } from "../users/store";
import { referralEvents } from "../webhooks/events";
import { referralStatusEvent } from "../webhooks/rules";
import { friendJoinedNotice } from "./notifications";
import {
  fraudSignals,
  qualificationWrites,
  type RefereeFacts,
  type ReferrerSnapshot,
  referrerSnapshot,
} from "./qualification";
import { referrerStats } from "./stats";
import { findReferralStats, insertReferral, listReferralsOf, qualifiedPlacesOf } from "./store";

/** A referral code's owner as a signup sees them, with the program in force. */
export interface ReferralCodeOwner {
  id: string;
  referralCode: string;
  signupIpHash: string | null;
  signupDeviceHash: string | null;
  program: Program;
  snapshot: ReferrerSnapshot;
}

async function lookUpCode(db: Database, input: string) {
  const code = canonicalReferralCode(input);
  const owner = isLookupableReferralCode(code) ? await findReferrerByCode(db, code) : undefined;
  return { code, owner };
}

/** The owner of a code a new user signs up with; unknown or expired codes are a 422. */
export async function resolveReferralCode(
  db: Database,
  input: string,
  now: number,
): Promise<ReferralCodeOwner> {
  const [{ code, owner }, program] = await Promise.all([lookUpCode(db, input), currentProgram(db)]);
  if (!owner) throw new ApiError("invalid_referral_code", `No referral code ${code} exists.`);
  const expiresAt = codeExpiresAt(owner.referralCodeCreatedAt, program.rules);
  if (expiresAt !== null && expiresAt <= now) {
    throw new ApiError("referral_code_expired", `The referral code ${code} has expired.`);
  }
  return {
    id: owner.id,
    referralCode: owner.referralCode,
    signupIpHash: owner.signupIpHash,
    signupDeviceHash: owner.signupDeviceHash,
    program,
    snapshot: await referrerSnapshot(db, owner.id, program.rules, now),
  };
}

export interface SignupAttribution {
  referrer: ReferralCodeOwner;
  /** Where the referee came from: the invite link's `src`, or "direct" for a typed code. */
  source: string;
  /** The email/SMS invite whose link the referee followed, if any. */
  inviteId: string | null;
}

/**
 * The rows a referred signup adds to the signup batch besides the user: the referral
 * (claiming the referrer's next ordinal), the invite marked joined and — when it
 * qualifies at signup — everything qualification writes. A referral that must wait for
 * its event, or is held for review, pays nothing yet.
 */
export function signupWrites(
  deps: EventDeps,
  signup: {
    refereeId: string;
    refereeName: string;
    referee: RefereeFacts;
    now: number;
    attribution: SignupAttribution | null;
  },
) {
  const { refereeId, now, attribution } = signup;
  if (!attribution) return [];
  const { db } = deps;
  const { referrer, source, inviteId } = attribution;
  const signals = fraudSignals(referrer, signup.referee, referrer.snapshot);
  const plan = planReferralSignup({ ...referrer.snapshot, signals }, referrer.program, now);
  const referralId = newId("ref", now);
  return [
    insertReferral(db, {
      id: referralId,
      referrerId: referrer.id,
      refereeId,
      ordinal: plan.ordinal,
      code: referrer.referralCode,
      status: plan.status,
      source,
      programVersion: referrer.program.version,
      referrerPoints: plan.referrerPoints,
      refereePoints: plan.refereePoints,
      inviteId,
      qualifiedOrdinal: plan.qualification?.qualifiedOrdinal ?? null,
      reasons: plan.reasons.length > 0 ? plan.reasons : null,
      reasonDetails: plan.holds.length > 0 ? plan.holds : null,
      createdAt: now,
      qualifiedAt: plan.qualification ? now : null,
    }),
    ...(inviteId ? [markInviteJoined(db, { inviteId, referrerId: referrer.id, now })] : []),
    ...friendJoinedNotice(db, {
      referrerId: referrer.id,
      refereeName: signup.refereeName,
      rules: referrer.program.rules,
      now,
    }),
    ...referralEvents(deps, ["referral.created", referralStatusEvent(plan.status)], {
      id: referralId,
      referrerId: referrer.id,
      refereeId,
      status: plan.status,
      source,
      referrerPoints: plan.referrerPoints,
      refereePoints: plan.refereePoints,
      createdAt: now,
    }),
    ...(plan.qualification
      ? qualificationWrites(
          deps,
          {
            referralId,
            referrerId: referrer.id,
            refereeId,
            ordinal: plan.ordinal,
            referrerCode: referrer.referralCode,
            refereePoints: plan.refereePoints,
            rules: referrer.program.rules,
          },
          plan.qualification,
          now,
        )
      : []),
  ];
}

/** For a landing page: is this code usable, and whose is it (masked)? */
export async function describeReferralCode(db: Database, input: string, now: number) {
  const [{ code, owner }, program] = await Promise.all([lookUpCode(db, input), currentProgram(db)]);
  if (!owner) throw new ApiError("not_found", `No referral code ${code} exists.`);
  const expiresAt = codeExpiresAt(owner.referralCodeCreatedAt, program.rules);
  return {
    code: owner.referralCode,
    valid: expiresAt === null || expiresAt > now,
    expiresAt,
    referrer: { name: maskName(owner.name) },
  };
}

export async function myReferrals(
  db: Database,
  userId: string,
  page: { limit: number; beforeOrdinal?: number | undefined },
) {
  const [rows, stats] = await Promise.all([
    listReferralsOf(db, userId, page),
    findReferralStats(db, userId),
  ]);
  return {
    rows: rows.map((row) => ({ ...row, name: maskName(row.name) })),
    summary: stats ?? { total: 0, qualified: 0, pending: 0, held: 0, rejected: 0, pointsEarned: 0 },
  };
}

export async function myStats(db: Database, userId: string) {
  const [counters, places, sources, program] = await Promise.all([
    findReferralStats(db, userId),
    qualifiedPlacesOf(db, userId),
    sourceStatsOf(db, userId),
    currentProgram(db),
  ]);
  return referrerStats(
    { ...(counters ?? { total: 0, qualified: 0, pointsEarned: 0 }), places },
    sources,
    program.rules,
  );
}
