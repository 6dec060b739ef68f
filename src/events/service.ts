import { eq } from "drizzle-orm";
import type { Config } from "../config";
import type { Database } from "../db/client";
import { violatedConstraint } from "../db/client";
import { events } from "../db/schema";
import { ApiError } from "../errors";
import { lookupPhone } from "../lib/phone";
import type { Deps } from "../platform/deps";
import { requestFingerprint } from "../platform/idempotency";
import { acceptsEventType, qualifiesByEvent } from "../program/rules";
import { REFUND_EVENT } from "../program/schemas";
import { currentProgram, programVersion } from "../program/store";
import { qualifyReferral, reverseReferral } from "../referrals/qualification";
import { findReferralOfReferee, type ReferralRecord } from "../referrals/store";
import { mayQualify } from "../referrals/verified-phone";
import { findUserByExternalId, findUserById, findUserByPhone } from "../users/store";

export interface EventInput {
  type: string;
  userId?: string | undefined;
  phone?: string | undefined;
  /** The participant by the shop's own user id. */
  userExternalId?: string | undefined;
  /** The event's own id (sent as `eventId`, or `externalId` by its older name). */
  externalId: string;
  amount?: number | undefined;
  /** For a refund: the `externalId` of the event it refunds. */
  refundOf?: string | undefined;
}

export interface EventOutcome {
  qualified: string[];
  reversed: string[];
}

/** What an earlier event with this `externalId` did, or null; a different body is refused. */
async function storedOutcome(db: Database, input: EventInput, requestHash: string) {
  const row = await db.select().from(events).where(eq(events.externalId, input.externalId)).get();
  if (!row) return null;
  // Events stored before bodies were fingerprinted can only be compared by type.
  const same = row.requestHash === null ? row.type === input.type : row.requestHash === requestHash;
  if (!same) {
    throw new ApiError(
      "idempotency_key_reused",
      `Event ${input.externalId} was recorded with a different body.`,
    );
  }
  return row.type === REFUND_EVENT
    ? { qualified: [], reversed: row.referralIds }
    : { qualified: row.referralIds, reversed: [] };
}

async function subjectOf(db: Database, config: Config, input: EventInput) {
  const phone = input.phone ? lookupPhone(input.phone, config.defaultPhoneCountry) : null;
  const user = input.userId
    ? await findUserById(db, input.userId)
    : input.userExternalId
      ? await findUserByExternalId(db, input.userExternalId)
      : phone
        ? await findUserByPhone(db, phone)
        : undefined;
  if (!user) throw new ApiError("not_found", "No such user.");
  return user.id;
}

/** A settled read's value, or its error thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/**
 * Whether a refund reverses this referral: one that names the order it refunds does so
 * only when that order is the event that qualified the referral.
 */
function refundApplies(input: EventInput, referral: ReferralRecord): boolean {
  return input.refundOf === undefined || input.refundOf === referral.qualifiedByEvent;
}

/**
 * A qualifying event from the product's back end. The referee's first event of the type
 * their referral's program names qualifies it (both sides are paid); a `refund` within the
 * hold period reverses it. Only `refund` and the types the current program lists are
 * accepted. Idempotent by `externalId`: a replay with the same body answers what the
 * first call did and changes nothing; a different body is refused.
 */
export async function recordEvent(
  deps: Pick<Deps, "db" | "config" | "outbox">,
  input: EventInput,
  now: number,
): Promise<EventOutcome> {
  const { db, config } = deps;
  const requestHash = await requestFingerprint(input);
  // Three reads that need nothing of one another, in one round trip; their outcomes are
  // taken in the order the rules go: a replay, then the event's type, then its user.
  const [earlier, program, subject] = await Promise.allSettled([
    storedOutcome(db, input, requestHash),
    currentProgram(db),
    subjectOf(db, config, input),
  ]);
  const earlierOutcome = settled(earlier);
  if (earlierOutcome) {
    // A replay names its user too: one erased since is gone for it as well.
    settled(subject);
    return earlierOutcome;
  }
  const current = settled(program);
  if (!acceptsEventType(current.rules, input.type)) {
    throw new ApiError(
      "unknown_event_type",
      `The program does not list events of type ${input.type}.`,
    );
  }
  const userId = settled(subject);
  const referral = await findReferralOfReferee(db, userId);
  const outcome: EventOutcome = { qualified: [], reversed: [] };
  const eventRow = (referralIds: string[]) =>
    db.insert(events).values({
      externalId: input.externalId,
      type: input.type,
      userId,
      amount: input.amount ?? null,
      referralIds,
      requestHash,
      createdAt: now,
    });
  // The event is recorded in the batch that qualifies its referral (one round trip to the
  // primary); on its own when nothing qualified, or the referral was held.
  let recorded = false;
  try {
    if (referral && input.type === REFUND_EVENT) {
      if (refundApplies(input, referral) && (await reverseReferral(deps, referral.id, now))) {
        outcome.reversed.push(referral.id);
      }
    } else if (referral?.status === "pending") {
      // Most referrals are of the current version, read above already.
      const { rules } =
        referral.programVersion === current.version
          ? current
          : await programVersion(db, referral.programVersion);
      const event = { externalId: input.externalId, amount: input.amount ?? null };
      if (
        qualifiesByEvent(rules, { type: input.type, amount: event.amount }) &&
        (await mayQualify(db, rules, userId, true)) &&
        (await qualifyReferral(
          deps,
          referral.id,
          {
            byEvent: event,
            alsoIfQualified: [eventRow([referral.id])],
            read: { referral, rules },
          },
          now,
        ))
      ) {
        outcome.qualified.push(referral.id);
        recorded = true;
      }
    }
    if (!recorded) await eventRow([...outcome.qualified, ...outcome.reversed]).run();
  } catch (error) {
    // The same event, delivered twice at once: the first one recorded wins.
    if (violatedConstraint(error) !== "events.external_id") throw error;
    return (await storedOutcome(db, input, requestHash)) ?? outcome;
  }
  return outcome;
}
