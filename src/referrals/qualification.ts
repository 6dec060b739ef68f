import { MAX_CONTENDED_ATTEMPTS, pauseAfterLostRace } from "../lib/contention";
/**
 * Qualification: the one path by which a referral pays. At signup (program mode "signup"),
 * on the referee's qualifying event, or on an admin's approval — always the same writes,
 * decided by the pure rules over a snapshot that the database proves current: the
 * qualification claims the referrer's next qualified ordinal, which a unique index lets
 * only one referral take; a batch whose snapshot went stale fails and is planned again.
 */

import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { CampaignContext } from "../campaigns/rules";
import { awardCampaign, campaignContext, withdrawCampaignAwards } from "../campaigns/store";
import type { Database } from "../db/client";
import { isErasedUserRefusal, violatedConstraint } from "../db/client";
import { referrals } from "../db/schema";
import {
  BUDGET_CONSTRAINT,
  budgetUsage,
  countBudgetedPoints,
  hasBudget,
} from "../fraud/budget-store";
import {
  countQualifiedReferral,
  leaderboardEntryOf,
  uncountQualifiedReferral,
} from "../leaderboard/store";
import { DAY_MS, monthOf } from "../lib/time";
import type { EventDeps } from "../platform/deps";
import { type BudgetUsage, budgetHold, capHolds, type FraudSignals } from "../program/holds";
import {
  planQualification,
  pointsExpireAt,
  pointsOfQualification,
  type QualificationPlan,
  withinHoldPeriod,
} from "../program/rules";
import type { ProgramRules } from "../program/schemas";
import { programVersion } from "../program/store";
import { grantUnlock } from "../rewards/unlocks";
import { erasedAmong, referralCountsOf } from "../users/store";
import { appendLedgerEntry, findWallet, isOverdraft } from "../wallet/store";
import { campaignCompletedEvent, referralEvents, unlockGrantedEvent } from "../webhooks/events";
import { qualificationNotices } from "./notifications";
import {
  creditsOfReferral,
  findReferral,
  type QualifyingEvent,
  qualifiedPlacesOf,
  qualifiedSince,
  type ReferralRecord,
} from "./store";

/** A referrer's counts and context as of now: what qualification rules decide on. */
export interface ReferrerSnapshot {
  total: number;
  /** The highest qualified position claimed so far, reversed referrals included. */
  lastQualifiedOrdinal: number;
  /** Referrals still pending or held: they hold no qualified place yet. */
  waiting: number;
  campaigns: CampaignContext;
  rewardedToday: number;
  rewardedThisMonth: number;
  /** Referral points paid today and this month, read only when the program has a budget. */
  budgetUsed?: BudgetUsage;
}

export async function referrerSnapshot(
  db: Database,
  referrerId: string,
  rules: ProgramRules,
  now: number,
): Promise<ReferrerSnapshot> {
  const dayStart = now - (now % DAY_MS);
  const [counts, lastQualifiedOrdinal, campaigns, rewardedToday, month, budgetUsed] =
    await Promise.all([
      referralCountsOf(db, referrerId),
      qualifiedPlacesOf(db, referrerId),
      campaignContext(db, referrerId, now),
      rules.caps.perDay === null ? 0 : qualifiedSince(db, referrerId, dayStart, rules.caps.perDay),
      rules.caps.perMonth === null
        ? undefined
        : leaderboardEntryOf(db, `m:${monthOf(now)}`, referrerId),
      // Read beside the others: no round trip of its own.
      hasBudget(rules) ? budgetUsage(db, now) : undefined,
    ]);
  return {
    total: counts?.total ?? 0,
    lastQualifiedOrdinal,
    waiting: counts?.waiting ?? 0,
    campaigns,
    rewardedToday,
    rewardedThisMonth: month?.referrals ?? 0,
    ...(budgetUsed ? { budgetUsed } : {}),
  };
}

/** What a signup tells of its referee: fingerprints, and what the block list and phone say. */
export interface RefereeFacts
  extends Pick<FraudSignals, "blocklisted" | "phoneType" | "phoneCountry" | "requestCountry"> {
  ipHash: string | null;
  deviceHash: string | null;
}

/**
 * Fraud signals of a new referral: same device or network as the referrer, velocity, and
 * the referee's block list matches, phone type and countries.
 */
export function fraudSignals(
  referrer: { signupIpHash: string | null; signupDeviceHash: string | null },
  referee: RefereeFacts,
  snapshot: ReferrerSnapshot,
): FraudSignals {
  const { ipHash, deviceHash, ...facts } = referee;
  return {
    ...facts,
    sameDevice: deviceHash !== null && deviceHash === referrer.signupDeviceHash,
    sameIp: ipHash !== null && ipHash === referrer.signupIpHash,
    rewardedToday: snapshot.rewardedToday,
    rewardedThisMonth: snapshot.rewardedThisMonth,
  };
}

export interface QualifiedReferral {
  referralId: string;
  referrerId: string;
  refereeId: string;
  ordinal: number;
  referrerCode: string;
  refereePoints: number;
  rules: ProgramRules;
  /** An admin approved it: it is paid past the points budget (using up what is left). */
  approved?: boolean;
}

/**
 * What qualifying a referral writes: both sides' ledger credits (the referrer's by the
 * tier of the place the plan claims), the leaderboards, the
 * unlocks and bonuses of milestones it reaches, the campaigns it completes (the funnel
 * counters follow by trigger), and the points budget's counters, which fail the batch
 * past the budget.
 */
export function qualificationWrites(
  deps: EventDeps,
  referral: QualifiedReferral,
  plan: QualificationPlan,
  now: number,
) {
  const { db } = deps;
  const { referralId, referrerId, refereeId } = referral;
  const credits = [
    {
      userId: refereeId,
      type: "signup_bonus" as const,
      points: referral.refereePoints,
      description: `Welcome bonus for joining with code ${referral.referrerCode}`,
    },
    {
      userId: referrerId,
      type: "referral_reward" as const,
      points: plan.referrerPoints,
      description: `Referral #${referral.ordinal} joined with your code`,
    },
    ...plan.milestones.map((milestone) => ({
      userId: referrerId,
      type: "milestone_bonus" as const,
      points: milestone.bonusPoints,
      description: `Milestone: ${milestone.referrals} referrals`,
    })),
    ...plan.campaigns.map((campaign) => ({
      userId: referrerId,
      type: "campaign_bonus" as const,
      points: campaign.bonusPoints,
      description: `Campaign: ${campaign.name}`,
    })),
  ].filter((credit) => credit.points > 0);
  const expiresAt = pointsExpireAt(now, referral.rules);
  return [
    ...credits.map((credit) =>
      appendLedgerEntry(db, { ...credit, referralId, createdAt: now, expiresAt }),
    ),
    ...countBudgetedPoints(db, {
      points: pointsOfQualification(referral.refereePoints, plan),
      rules: referral.rules,
      now,
      approved: referral.approved ?? false,
    }),
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
        durationDays: milestone.durationDays,
      }),
    ),
    ...plan.milestones.flatMap((milestone) =>
      unlockGrantedEvent(deps, {
        userId: referrerId,
        unlock: milestone.unlock,
        source: "milestone",
        at: now,
      }),
    ),
    ...qualificationNotices(db, referral, plan, now),
    ...plan.campaigns.flatMap((campaign) =>
      campaignCompletedEvent(deps, {
        userId: referrerId,
        campaignId: campaign.id,
        bonusPoints: campaign.bonusPoints,
        at: now,
      }),
    ),
  ];
}

/** Constraint failures that mean "another write got there first; plan again". */
export const STALE_SNAPSHOT_CONSTRAINTS = new Set([
  "referrals.referrer_id, referrals.ordinal",
  "referrals.referrer_id, referrals.qualified_ordinal",
  "campaign_awards.campaign_id, campaign_awards.user_id",
  // A parallel payment used up the points budget: planned again, this one is held.
  BUDGET_CONSTRAINT,
]);

/** Whether D1 refused a batch because a referral's status may not move that way. */
export function isTransitionRefused(error: unknown): boolean {
  return String(
    error instanceof Error ? `${error.message} ${String(error.cause)}` : error,
  ).includes("referral status transition not allowed");
}

/**
 * Qualifies a pending or held referral now (its qualifying event came, or an admin approved
 * it): it claims the referrer's next qualified place and is paid that place's tier, in
 * place of the points it showed while it waited. Returns false when it was not waiting any more — a replayed event or a parallel
 * approval: the status trigger refuses a second qualification, so nothing is paid twice.
 * Of a referral with an erased side, the other side still qualifies and is paid; the
 * erased one gets nothing (see planQualification and toQualified).
 * An erasure that commits after the read refuses the batch (migration 0022), which is then
 * planned again from a fresh read.
 */
export async function qualifyReferral(
  deps: EventDeps,
  referralId: string,
  options: {
    /** Written in the same batch, e.g. the audit row of the approval that qualifies it. */
    also?: BatchItem<"sqlite">[];
    /** Written in the batch only if it qualifies (not if held): e.g. the event that qualifies it. */
    alsoIfQualified?: BatchItem<"sqlite">[];
    /** The event that qualifies it (its `externalId` alone can refund it; its amount pays). */
    byEvent?: QualifyingEvent | null;
    /** An admin's approval: paid past the velocity caps and the points budget. */
    approved?: boolean;
    /**
     * The referral and its version's rules as the caller read them a moment ago: the first
     * attempt plans on them rather than reading them again (the batch proves them current
     * as it does any snapshot; a later attempt reads afresh).
     */
    read?: { referral: ReferralRecord; rules: ProgramRules };
  },
  now: number,
) {
  const { also = [], alsoIfQualified = [], byEvent = null, approved = false } = options;
  const { db } = deps;
  for (let attempt = 1; attempt <= MAX_CONTENDED_ATTEMPTS; attempt++) {
    const read = attempt === 1 ? options.read : undefined;
    const referral = read?.referral ?? (await findReferral(db, referralId));
    if (!referral || (referral.status !== "pending" && referral.status !== "held")) return false;
    const rules = read?.rules ?? (await programVersion(db, referral.programVersion)).rules;
    const [erased, snapshot] = await Promise.all([
      erasedAmong(db, [referral.referrerId, referral.refereeId]),
      referrerSnapshot(db, referral.referrerId, rules, now),
    ]);
    const plan = planQualification(
      { ...snapshot, erased: erased.has(referral.referrerId) },
      rules,
      now,
      byEvent?.amount ?? null,
    );
    const qualified = {
      ...toQualified(referral, rules, { refereeErased: erased.has(referral.refereeId) }),
      approved,
    };
    // An admin's approval pays past the caps and the budget; anything else that qualifies a
    // waiting referral is held at them, as a new referral would be.
    const overBudget =
      !approved && snapshot.budgetUsed
        ? budgetHold(
            rules,
            snapshot.budgetUsed,
            pointsOfQualification(qualified.refereePoints, plan),
          )
        : null;
    const holds = approved
      ? []
      : [...capHolds(snapshot, rules), ...(overBudget ? [overBudget] : [])];
    try {
      if (holds.length > 0) {
        await db.batch([
          db
            .update(referrals)
            .set({
              status: "held",
              reasons: holds.map((hold) => hold.code),
              reasonDetails: holds,
            })
            .where(eq(referrals.id, referral.id)),
          ...also,
          ...referralEvents(deps, ["referral.held"], { ...referral, status: "held" }, now),
        ]);
        return false;
      }
      await db.batch([
        db
          .update(referrals)
          .set({
            status: "qualified",
            qualifiedAt: now,
            qualifiedOrdinal: plan.qualifiedOrdinal,
            qualifiedByEvent: byEvent?.externalId ?? null,
            referrerPoints: plan.referrerPoints,
          })
          .where(eq(referrals.id, referral.id)),
        ...qualificationWrites(deps, qualified, plan, now),
        ...also,
        ...alsoIfQualified,
        ...referralEvents(
          deps,
          ["referral.qualified"],
          { ...referral, status: "qualified", referrerPoints: plan.referrerPoints },
          now,
        ),
      ]);
      return true;
    } catch (error) {
      if (isTransitionRefused(error)) return false;
      const lostARace =
        STALE_SNAPSHOT_CONSTRAINTS.has(violatedConstraint(error) ?? "") ||
        isErasedUserRefusal(error);
      if (!lostARace) throw error;
      await pauseAfterLostRace(attempt);
    }
  }
  throw new Error(`Referral ${referralId} could not be qualified: too much contention`);
}

/** An erased referee is not paid (nothing new is written for them); their referrer is. */
function toQualified(
  referral: ReferralRecord,
  rules: ProgramRules,
  { refereeErased }: { refereeErased: boolean },
): QualifiedReferral {
  return {
    referralId: referral.id,
    referrerId: referral.referrerId,
    refereeId: referral.refereeId,
    ordinal: referral.ordinal,
    referrerCode: referral.code,
    refereePoints: refereeErased ? 0 : referral.refereePoints,
    rules,
  };
}

/**
 * Reverses a qualified referral whose referee was refunded within the hold period: takes
 * back everything credited because of it — both sides' rewards and the milestone and
 * campaign bonuses it brought — as far as each balance allows (never below zero), and
 * records what could not be taken back. Its campaign awards are withdrawn (the campaign
 * can be completed again); its qualified position stays claimed, so the milestone it
 * reached is not reached again, and an unlock it granted is kept. Returns false when
 * there is nothing (more) to reverse.
 */
export async function reverseReferral(deps: EventDeps, referralId: string, now: number) {
  const { db } = deps;
  for (let attempt = 1; attempt <= MAX_CONTENDED_ATTEMPTS; attempt++) {
    const referral = await findReferral(db, referralId);
    if (referral?.status !== "qualified" || referral.qualifiedAt === null) return false;
    if (referral.settledAt !== null) return false;
    const { rules } = await programVersion(db, referral.programVersion);
    if (!withinHoldPeriod(referral.qualifiedAt, now, rules)) return false;
    const credits = await creditsOfReferral(db, referral.id);
    const balances = await Promise.all(credits.map((credit) => findWallet(db, credit.userId, now)));
    const clawbacks = credits.map((credit, i) => ({
      ...credit,
      taken: Math.min(credit.points, balances[i]?.balance ?? 0),
    }));
    const uncollected = clawbacks.reduce((sum, side) => sum + side.points - side.taken, 0);
    try {
      await db.batch([
        db
          .update(referrals)
          .set({ status: "rejected", reasons: ["refunded"], uncollectedPoints: uncollected })
          .where(eq(referrals.id, referral.id)),
        ...clawbacks
          .filter((side) => side.taken > 0)
          .map((side) =>
            appendLedgerEntry(db, {
              userId: side.userId,
              type: "reversal",
              points: -side.taken,
              description: "Referral reversed after a refund",
              referralId: referral.id,
              createdAt: now,
            }),
          ),
        uncountQualifiedReferral(db, referral.referrerId, referral.qualifiedAt),
        withdrawCampaignAwards(db, { userId: referral.referrerId, referralId: referral.id }),
        ...referralEvents(deps, ["referral.reversed"], { ...referral, status: "rejected" }, now),
      ]);
      return true;
    } catch (error) {
      if (isTransitionRefused(error)) return false;
      // A balance moved since it was read: read again and take what is there now.
      if (!isOverdraft(error)) throw error;
      await pauseAfterLostRace(attempt);
    }
  }
  throw new Error(`Referral ${referralId} could not be reversed: too much contention`);
}
