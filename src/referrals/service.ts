import type { Database } from "../env";
import { ApiError } from "../errors";
import { canonicalReferralCode, isWellFormedReferralCode, newId } from "../lib/ids";
import { maskName } from "../lib/names";
import { codeExpiresAt, type Program, planReferralSignup } from "../program/rules";
import { currentProgram } from "../program/store";
import { findReferrerByCode } from "../users/store";
import { appendLedgerEntry } from "../wallet/store";
import { findReferralStats, insertReferral, listReferralsOf } from "./store";

/** A referral code's owner as a signup sees them, with the program in force. */
export interface ReferralCodeOwner {
  id: string;
  referralCode: string;
  referralTotal: number;
  program: Program;
}

async function lookUpCode(db: Database, input: string) {
  const code = canonicalReferralCode(input);
  const owner = isWellFormedReferralCode(code) ? await findReferrerByCode(db, code) : undefined;
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
    referralTotal: owner.referralTotal,
    program,
  };
}

/**
 * The rows a referred signup adds to the signup batch: the referral (claiming the
 * referrer's next ordinal) and both sides' ledger entries.
 */
export function referredSignupWrites(
  db: Database,
  signup: { referrer: ReferralCodeOwner; refereeId: string; now: number },
) {
  const { referrer, refereeId, now } = signup;
  const plan = planReferralSignup(referrer.referralTotal, referrer.program, now);
  const referralId = newId("ref", now);
  const credits = [
    {
      userId: refereeId,
      type: "signup_bonus" as const,
      points: plan.refereePoints,
      description: `Welcome bonus for joining with code ${referrer.referralCode}`,
    },
    {
      userId: referrer.id,
      type: "referral_reward" as const,
      points: plan.referrerPoints,
      description: `Referral #${plan.ordinal} joined with your code`,
    },
  ].filter((credit) => credit.points > 0);
  return [
    insertReferral(db, {
      id: referralId,
      referrerId: referrer.id,
      refereeId,
      ordinal: plan.ordinal,
      code: referrer.referralCode,
      status: plan.status,
      source: "direct",
      programVersion: referrer.program.version,
      referrerPoints: plan.referrerPoints,
      refereePoints: plan.refereePoints,
      createdAt: now,
      qualifiedAt: now,
    }),
    ...credits.map((credit) =>
      appendLedgerEntry(db, {
        ...credit,
        referralId,
        createdAt: now,
        expiresAt: plan.pointsExpireAt,
      }),
    ),
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
