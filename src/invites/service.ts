import { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import type { inviteStatuses } from "../db/schema";
import { ApiError } from "../errors";
import { screenAgainstBlocklist } from "../fraud/blocklist";
import { UNKNOWN_IP } from "../http/request";
import type { Locale } from "../i18n/locales";
import { renderMessage } from "../i18n/messages";
import { newId } from "../lib/ids";
import { maskName } from "../lib/names";
import { smsRefusal } from "../lib/phone";
import { DAY_MS, toIso } from "../lib/time";
import type { Deps } from "../platform/deps";
import { requireNewPhone } from "../users/phones";
import { findUserById } from "../users/store";
import { type NotificationParams, notificationValues } from "./notifications";
import {
  DELIVERY_LOCK_MS,
  INVITES_PER_DAY,
  inviteLink,
  inviteText,
  maskRecipient,
  retryDelayMs,
} from "./rules";
import type { InviteMessage, InviteSender } from "./senders";
import { bulkSmsBudget, nextSmsBudgetAt, takeSmsFromDailyBudget } from "./sms-budget";
import {
  claimInviteForDelivery,
  dueInviteIds,
  insertInviteWithinLimits,
  inviteLimitState,
  recordDelivered,
  recordDeliveryFailure,
} from "./store";

export type InviteDeps = Pick<Deps, "db" | "config"> & { sender: InviteSender };

const emailSchema = z.email();

function invalidRecipient(message: string): ApiError {
  return new ApiError("validation_error", "The request is not valid.", {
    details: [{ path: "to", message }],
  });
}

/** The recipient as stored: E.164 for SMS, a lower-cased address for email. */
export function canonicalRecipient(channel: "email" | "sms", to: string, config: Config): string {
  if (channel === "sms") return requireNewPhone(to, config, "to");
  const email = to.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success)
    throw invalidRecipient("must be a valid email address");
  return email;
}

export function toInviteView(
  invite: {
    id: string;
    channel: "email" | "sms";
    recipient: string;
    status: (typeof inviteStatuses)[number];
    clickedAt: number | null;
    createdAt: number;
  },
  inviterCode: string,
  config: Config,
) {
  return {
    id: invite.id,
    channel: invite.channel,
    to: maskRecipient(invite.channel, invite.recipient),
    status: invite.status,
    link: inviteLink(config.publicBaseUrl, inviterCode, invite.channel, invite.id),
    clickedAt: invite.clickedAt === null ? null : toIso(invite.clickedAt),
    createdAt: toIso(invite.createdAt),
  };
}

/** The request of whoever sends an invite, as the block list sees it. */
export interface InviterRequest {
  ip: string;
  deviceId?: string | undefined;
  requestCountry?: string | undefined;
}

/**
 * Queues an invite in the outbox. Limits (20 a day, one per recipient per 7 days) are
 * enforced by the insert itself; the send happens after the response (`deliverInvite`).
 * An SMS recipient, or the sender's address, device or country, on the block list with
 * action `refuse` is a 403 blocked, and nothing is queued.
 */
export async function createInvite(
  deps: InviteDeps,
  input: {
    userId: string;
    channel: "email" | "sms";
    to: string;
    message?: string | undefined;
    /** The invite's language; absent: its sender's. */
    locale?: Locale | undefined;
    from?: InviterRequest;
  },
  now: number,
) {
  const { db, config } = deps;
  const recipient = canonicalRecipient(input.channel, input.to, config);
  await screenAgainstBlocklist(
    db,
    {
      phone: input.channel === "sms" ? recipient : null,
      ip: input.from && input.from.ip !== UNKNOWN_IP ? input.from.ip : null,
      deviceId: input.from?.deviceId ?? null,
      requestCountry: input.from?.requestCountry ?? null,
    },
    now,
  );
  const inviter = await findUserById(db, input.userId);
  if (!inviter)
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  if (input.channel === "sms" && recipient === inviter.phone) {
    throw new ApiError("self_referral", "You cannot invite yourself.");
  }
  const invite = {
    id: newId("inv", now),
    userId: input.userId,
    channel: input.channel,
    recipient,
    message: input.message ?? null,
    locale: input.locale ?? inviter.locale,
    createdAt: now,
  };
  if (!(await insertInviteWithinLimits(db, invite))) {
    const state = await inviteLimitState(db, input.userId, recipient, now);
    if (state.recipientInvitedRecently) {
      throw new ApiError("invite_already_sent", "You invited this recipient in the last 7 days.");
    }
    const retryAfter = Math.max(1, Math.ceil(((state.oldestToday ?? now) + DAY_MS - now) / 1000));
    throw new ApiError("rate_limited", `At most ${INVITES_PER_DAY} invites a day.`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  return toInviteView(
    { ...invite, status: "queued" as const, clickedAt: null },
    inviter.referralCode,
    config,
  );
}

/** What leaves for one claimed row: an invite in its language, or a notification in its user's. */
function outgoingMessage(
  row: NonNullable<Awaited<ReturnType<typeof claimInviteForDelivery>>>,
  config: Config,
): InviteMessage {
  const { locale, customTexts } = row;
  const base = { inviteId: row.id, channel: row.channel, to: row.recipient, purpose: row.purpose };
  if (row.purpose !== "invite") {
    const values = notificationValues((row.params ?? {}) as NotificationParams, locale);
    return { ...base, link: "", text: renderMessage(row.purpose, locale, values, customTexts) };
  }
  const link = inviteLink(config.publicBaseUrl, row.inviterCode, row.channel, row.id);
  const values = { name: maskName(row.inviterName), link };
  const kind = row.channel === "sms" ? "invite_sms" : "invite_email_body";
  return {
    ...base,
    link,
    text: inviteText(renderMessage(kind, locale, values, customTexts), row.message),
    ...(row.channel === "email"
      ? { subject: renderMessage("invite_email_subject", locale, values, customTexts) }
      : {}),
  };
}

/**
 * One delivery attempt. Safe to call from the request (waitUntil) and the retry job at
 * once: only the caller that claims the invite sends it. Never throws: a failure is
 * recorded with its next attempt, or as `failed` after the last. An SMS over the day's
 * budget waits, still queued, for the next UTC day (no attempt is used up).
 */
export async function deliverInvite(deps: InviteDeps, inviteId: string, now: number) {
  const { db, config, sender } = deps;
  const invite = await claimInviteForDelivery(db, inviteId, now, DELIVERY_LOCK_MS);
  if (!invite) return "skipped" as const;
  // Queued before such phones were refused at the door: failed for good, with no budget used.
  const refusal = invite.channel === "sms" ? smsRefusal(invite.recipient) : null;
  if (refusal) {
    await recordDeliveryFailure(db, invite.id, {
      attempts: invite.attempts,
      nextAttemptAt: null,
      error: `No SMS goes to ${refusal}.`,
    });
    return "failed" as const;
  }
  if (!invite.wanted) {
    // Turned off, erased or switched off since it was queued: never sent.
    await recordDeliveryFailure(db, invite.id, {
      attempts: invite.attempts,
      nextAttemptAt: null,
      error:
        "Not sent: the user turned notifications off or was erased, or the program switched this kind off.",
    });
    return "withheld" as const;
  }
  // Invites and notifications stop at their share of the day's SMS: codes keep the rest.
  if (invite.channel === "sms" && !(await takeSmsFromDailyBudget(db, bulkSmsBudget(config), now))) {
    await recordDeliveryFailure(db, invite.id, {
      attempts: invite.attempts,
      nextAttemptAt: nextSmsBudgetAt(now),
      error: "The daily SMS budget is used up; sending on the next day.",
    });
    return "deferred" as const;
  }
  const attempts = invite.attempts + 1;
  try {
    await sender.send(outgoingMessage(invite, config));
    await recordDelivered(db, invite.id, attempts, now);
    return "sent" as const;
  } catch (error) {
    const delay = retryDelayMs(attempts);
    await recordDeliveryFailure(db, invite.id, {
      attempts,
      nextAttemptAt: delay === null ? null : now + delay,
      error: error instanceof Error ? error.message : String(error),
    });
    return delay === null ? ("failed" as const) : ("retrying" as const);
  }
}

/** The scheduled retry pass: due invites, oldest first, bounded per run. */
export async function retryDueInvites(deps: InviteDeps, now: number, limit = 50) {
  const outcomes = { sent: 0, retrying: 0, failed: 0, skipped: 0, deferred: 0, withheld: 0 };
  for (const id of await dueInviteIds(deps.db, now, limit)) {
    outcomes[await deliverInvite(deps, id, now)] += 1;
  }
  return outcomes;
}
