import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { referrals, users } from "../db/schema";
import { ApiError } from "../errors";
import { auditEntry } from "../platform/audit";
import type { EventDeps } from "../platform/deps";
import { programVersion, programVersions } from "../program/store";
import { referralEvents } from "../webhooks/events";
import { isTransitionRefused, qualifyReferral } from "./qualification";
import { explainReason, type ReviewReason, reasonPattern } from "./review-reasons";
import { findReferral, firstEventOf } from "./store";
import { mayQualify } from "./verified-phone";

type Status = "pending" | "qualified" | "held" | "rejected";

/** A page of referrals of one status, optionally only those held for one reason. */
interface ReviewQuery {
  status: Status;
  reason?: ReviewReason | undefined;
  limit: number;
  beforeId?: string | undefined;
}

const referrer = alias(users, "referrer");
const referee = alias(users, "referee");

/** Referrals whose stored reasons include `reason` (stored as the code or `code:…`). */
function heldFor(reason: ReviewReason | undefined) {
  if (!reason) return undefined;
  return sql`exists (select 1 from json_each(${referrals.reasons}) as held
    where held.value = ${reason} or held.value glob ${reasonPattern(reason)})`;
}

/**
 * The review queue (or any status), newest first, optionally only those held for `reason`,
 * with each referral's reasons explained: what matched, or the cap of its program version.
 */
export async function reviewQueue(db: Database, query: ReviewQuery) {
  const rows = await listReferralsByStatus(db, query);
  const versions = await programVersions(db, [...new Set(rows.map((row) => row.programVersion))]);
  return rows.map((row) => {
    const rules = versions.get(row.programVersion);
    const explained = (row.reasons ?? []).map((reason) =>
      explainReason(reason, rules, row.reasonDetails ?? []),
    );
    return { ...row, reasons: explained };
  });
}

async function listReferralsByStatus(db: Database, query: ReviewQuery) {
  return db
    .select({
      id: referrals.id,
      status: referrals.status,
      reasons: referrals.reasons,
      reasonDetails: referrals.reasonDetails,
      source: referrals.source,
      referrerId: referrals.referrerId,
      referrerName: referrer.name,
      refereeId: referrals.refereeId,
      refereeName: referee.name,
      rewardPoints: referrals.referrerPoints,
      programVersion: referrals.programVersion,
      createdAt: referrals.createdAt,
    })
    .from(referrals)
    .innerJoin(referrer, eq(referrer.id, referrals.referrerId))
    .innerJoin(referee, eq(referee.id, referrals.refereeId))
    .where(
      and(
        eq(referrals.status, query.status),
        heldFor(query.reason),
        before(referrals.id, query.beforeId),
      ),
    )
    .orderBy(desc(referrals.id))
    .limit(query.limit + 1)
    .all();
}

function notHeld(id: string, status: string): ApiError {
  return new ApiError("referral_not_held", `Referral ${id} is ${status}, not held for review.`);
}

async function heldReferral(db: Database, id: string) {
  const referral = await findReferral(db, id);
  if (!referral) throw new ApiError("not_found", `No referral ${id} exists.`);
  if (referral.status !== "held") throw notHeld(id, referral.status);
  return referral;
}

/**
 * Approves a held referral: it pays now when its program qualifies at signup (or its
 * referee already sent the qualifying event, and verified their phone if the program asks),
 * else it waits for what is missing as pending.
 */
export async function approveReferral(deps: EventDeps, actorId: string, id: string, now: number) {
  const { db } = deps;
  const referral = await heldReferral(db, id);
  const { rules } = await programVersion(db, referral.programVersion);
  const audit = auditEntry(db, {
    actorId,
    action: "referral.approve",
    targetType: "referral",
    targetId: id,
    details: {},
    at: now,
  });
  const byEvent = await firstEventOf(db, referral.refereeId, rules);
  const paysNow = await mayQualify(db, rules, referral.refereeId, byEvent !== null);
  if (paysNow) {
    if (!(await qualifyReferral(deps, id, { also: [audit], byEvent, approved: true }, now))) {
      throw notHeld(id, "already decided");
    }
  } else {
    await decide(db, id, { status: "pending" }, audit);
  }
  return { id, status: paysNow ? ("qualified" as const) : ("pending" as const) };
}

export async function rejectReferral(
  deps: EventDeps,
  actorId: string,
  id: string,
  reason: string,
  now: number,
) {
  const { db } = deps;
  const referral = await heldReferral(db, id);
  await decide(
    db,
    id,
    { status: "rejected", reasons: [reason] },
    auditEntry(db, {
      actorId,
      action: "referral.reject",
      targetType: "referral",
      targetId: id,
      details: { reason },
      at: now,
    }),
    referralEvents(deps, ["referral.rejected"], { ...referral, status: "rejected" }, now),
  );
  return { id, status: "rejected" as const };
}

async function decide(
  db: Database,
  id: string,
  change: { status: "pending" | "rejected"; reasons?: string[] },
  audit: ReturnType<typeof auditEntry>,
  events: ReturnType<typeof referralEvents> = [],
) {
  try {
    await db.batch([
      db.update(referrals).set(change).where(eq(referrals.id, id)),
      audit,
      ...events,
    ]);
  } catch (error) {
    // A parallel decision got there first: the status trigger refused this one.
    if (isTransitionRefused(error)) throw notHeld(id, "already decided");
    throw error;
  }
}
