import { and, eq } from "drizzle-orm";
import type { Config } from "../config";
import { violatedConstraint } from "../db/client";
import { events } from "../db/schema";
import type { Database } from "../env";
import { ApiError } from "../errors";
import { normalizePhone } from "../lib/phone";
import { programVersion } from "../program/store";
import { qualifyReferral, reverseReferral } from "../referrals/qualification";
import { findReferralOfReferee } from "../referrals/store";
import { mayQualify } from "../referrals/verified-phone";
import { findUserById, findUserByPhone } from "../users/store";

export const REFUND_EVENT = "refund";

export interface EventInput {
  type: string;
  userId?: string | undefined;
  phone?: string | undefined;
  externalId: string;
  amount?: number | undefined;
}

export interface EventOutcome {
  qualified: string[];
  reversed: string[];
}

async function storedOutcome(db: Database, externalId: string, type: string) {
  const row = await db.select().from(events).where(eq(events.externalId, externalId)).get();
  if (!row) return null;
  if (row.type !== type) {
    throw new ApiError(
      "idempotency_key_reused",
      `Event ${externalId} was recorded with another type.`,
    );
  }
  return type === REFUND_EVENT
    ? { qualified: [], reversed: row.referralIds }
    : { qualified: row.referralIds, reversed: [] };
}

async function subjectOf(db: Database, config: Config, input: EventInput) {
  const phone = input.phone ? normalizePhone(input.phone, config.defaultPhoneCountry) : null;
  const user = input.userId
    ? await findUserById(db, input.userId)
    : phone
      ? await findUserByPhone(db, phone)
      : undefined;
  if (!user) throw new ApiError("not_found", "No such user.");
  return user.id;
}

/**
 * A qualifying event from the product's back end. The referee's first event of the type
 * their referral's program names qualifies it (both sides are paid); a `refund` within the
 * hold period reverses it. Idempotent by `externalId`: a replay answers what the first call
 * did and changes nothing.
 */
export async function recordEvent(
  db: Database,
  config: Config,
  input: EventInput,
): Promise<EventOutcome> {
  const earlier = await storedOutcome(db, input.externalId, input.type);
  if (earlier) return earlier;
  const userId = await subjectOf(db, config, input);
  const now = Date.now();
  const referral = await findReferralOfReferee(db, userId);
  const outcome: EventOutcome = { qualified: [], reversed: [] };
  if (referral && input.type === REFUND_EVENT) {
    if (await reverseReferral(db, referral.id, now)) outcome.reversed.push(referral.id);
  } else if (referral?.status === "pending") {
    const { rules } = await programVersion(db, referral.programVersion);
    if (
      rules.qualification === input.type &&
      (await mayQualify(db, rules, userId, true)) &&
      (await qualifyReferral(db, referral.id, now))
    ) {
      outcome.qualified.push(referral.id);
    }
  }
  try {
    await db
      .insert(events)
      .values({
        externalId: input.externalId,
        type: input.type,
        userId,
        amount: input.amount ?? null,
        referralIds: [...outcome.qualified, ...outcome.reversed],
        createdAt: now,
      })
      .run();
  } catch (error) {
    // The same event, delivered twice at once: the first one recorded wins.
    if (violatedConstraint(error) !== "events.external_id") throw error;
    return (await storedOutcome(db, input.externalId, input.type)) ?? outcome;
  }
  return outcome;
}

/** Whether the user already sent an event of this type (for approvals in event mode). */
export async function eventSeen(db: Database, userId: string, type: string): Promise<boolean> {
  const row = await db
    .select({ externalId: events.externalId })
    .from(events)
    .where(and(eq(events.userId, userId), eq(events.type, type)))
    .limit(1)
    .get();
  return row !== undefined;
}
