import { sourceStatsOf } from "../analytics/store";
import type { CampaignContext } from "../campaigns/rules";
import { awardCampaign, campaignContext } from "../campaigns/store";
import type { Database } from "../env";
import { ApiError } from "../errors";
import { markInviteJoined } from "../invites/store";
import { countQualifiedReferral } from "../leaderboard/store";
import { canonicalReferralCode, isWellFormedReferralCode, newId } from "../lib/ids";
import { maskName } from "../lib/names";
import {
  codeExpiresAt,
  type Program,
  planReferralSignup,
  type ReferralSignupPlan,
} from "../program/rules";
import { currentProgram } from "../program/store";
import { grantUnlock } from "../rewards/unlocks";
import { findReferrerByCode } from "../users/store";
import { appendLedgerEntry } from "../wallet/store";
import { referrerStats } from "./stats";
import { findReferralStats, insertReferral, listReferralsOf } from "./store";

/** A referral code's owner as a signup sees them, with the program in force. */
export interface ReferralCodeOwner {
  id: string;
  referralCode: string;
  referralTotal: number;
  referralQualified: number;
  program: Program;
  campaigns: CampaignContext;
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
    campaigns: await campaignContext(db, owner.id, now),
    referralCode: owner.referralCode,
    referralTotal: owner.referralTotal,
    referralQualified: owner.referralQualified,
    program,
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
 * (claiming the referrer's next ordinal), both sides' ledger entries, the leaderboards,
 * and the invite marked joined.
 */
export function signupWrites(
  db: Database,
  signup: { refereeId: string; now: number; attribution: SignupAttribution | null },
) {
  const { refereeId, now, attribution } = signup;
  if (!attribution) return [];
  const { referrer, source, inviteId } = attribution;
  const plan = planReferralSignup(
    {
      total: referrer.referralTotal,
      qualified: referrer.referralQualified,
      campaigns: referrer.campaigns,
    },
    referrer.program,
    now,
  );
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
      createdAt: now,
      qualifiedAt: now,
    }),
    ...(inviteId ? [markInviteJoined(db, { inviteId, referrerId: referrer.id, now })] : []),
    ...qualificationWrites(db, {
      referralId,
      referrerId: referrer.id,
      refereeId,
      referrerCode: referrer.referralCode,
      plan,
      now,
    }),
  ];
}

/**
 * What qualifying a referral writes: both sides' ledger credits, the leaderboards, the
 * unlocks and bonuses of milestones it reaches, and the campaigns it completes (the funnel counters follow by
 * trigger). One function, so that every path to "qualified" pays the same.
 */
function qualificationWrites(
  db: Database,
  qualified: {
    referralId: string;
    referrerId: string;
    refereeId: string;
    referrerCode: string;
    plan: ReferralSignupPlan;
    now: number;
  },
) {
  const { referralId, referrerId, refereeId, referrerCode, plan, now } = qualified;
  const credits = [
    {
      userId: refereeId,
      type: "signup_bonus" as const,
      points: plan.refereePoints,
      description: `Welcome bonus for joining with code ${referrerCode}`,
    },
    {
      userId: referrerId,
      type: "referral_reward" as const,
      points: plan.referrerPoints,
      description: `Referral #${plan.ordinal} joined with your code`,
    },
  ].filter((credit) => credit.points > 0);
  const milestoneBonuses = plan.milestones
    .filter((milestone) => milestone.bonusPoints > 0)
    .map((milestone) => ({
      userId: referrerId,
      type: "milestone_bonus" as const,
      points: milestone.bonusPoints,
      description: `Milestone: ${milestone.referrals} referrals`,
    }));
  const campaignBonuses = plan.campaigns.map((campaign) => ({
    userId: referrerId,
    type: "campaign_bonus" as const,
    points: campaign.bonusPoints,
    description: `Campaign: ${campaign.name}`,
  }));
  return [
    ...[...credits, ...milestoneBonuses, ...campaignBonuses].map((credit) =>
      appendLedgerEntry(db, {
        ...credit,
        referralId,
        createdAt: now,
        expiresAt: plan.pointsExpireAt,
      }),
    ),
    countQualifiedReferral(db, referrerId, now),
    ...plan.campaigns.map((campaign) =>
      awardCampaign(db, { campaignId: campaign.id, userId: referrerId, referralId, at: now }),
    ),
    ...plan.milestones.map((milestone) =>
      grantUnlock(db, {
        userId: referrerId,
        unlock: milestone.unlock,
        source: "milestone",
        at: now,
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

export async function myStats(db: Database, userId: string) {
  const [counters, sources, program] = await Promise.all([
    findReferralStats(db, userId),
    sourceStatsOf(db, userId),
    currentProgram(db),
  ]);
  return referrerStats(
    counters ?? { total: 0, qualified: 0, pointsEarned: 0 },
    sources,
    program.rules,
  );
}
