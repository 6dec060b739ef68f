import { and, desc, eq, gt, lte, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { invites, users } from "../db/schema";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n/locales";
import { DAY_MS } from "../lib/time";
import { customTextsJson } from "../messages/store";
import { claimable } from "../platform/outbox";
import { stillWanted } from "./notifications";
import { FIRST_RETRY_AFTER_MS, INVITES_PER_DAY, SAME_RECIPIENT_WINDOW_MS } from "./rules";

export interface NewInvite {
  id: string;
  userId: string;
  channel: "email" | "sms";
  recipient: string;
  message: string | null;
  locale: Locale;
  createdAt: number;
}

/** Invites proper: the outbox also carries the user's own notifications. */
const isInvite = eq(invites.purpose, "invite");

/**
 * Inserts the invite only if the user is under the daily limit and has not invited this
 * recipient within the window — decided inside one statement, so parallel requests cannot
 * both slip under a limit. Returns whether it was inserted.
 */
export async function insertInviteWithinLimits(db: Database, invite: NewInvite): Promise<boolean> {
  const result = await db.run(sql`
    insert into ${invites} (id, user_id, channel, recipient, message, status, attempts, next_attempt_at, created_at, locale)
    select ${invite.id}, ${invite.userId}, ${invite.channel}, ${invite.recipient}, ${invite.message}, 'queued', 0,
           ${invite.createdAt + FIRST_RETRY_AFTER_MS}, ${invite.createdAt}, ${invite.locale}
    where (select count(*) from ${invites}
            where ${invites.userId} = ${invite.userId} and ${isInvite} and ${invites.createdAt} > ${invite.createdAt - DAY_MS}) < ${INVITES_PER_DAY}
      and not exists (select 1 from ${invites}
            where ${invites.userId} = ${invite.userId} and ${invites.recipient} = ${invite.recipient} and ${isInvite}
              and ${invites.createdAt} > ${invite.createdAt - SAME_RECIPIENT_WINDOW_MS})`);
  return result.meta.changes === 1;
}

/** Why an invite was refused: the recipient was invited recently, or the day's count is used up. */
export async function inviteLimitState(
  db: Database,
  userId: string,
  recipient: string,
  now: number,
) {
  const [recent, today] = await Promise.all([
    db
      .select({ id: invites.id })
      .from(invites)
      .where(
        and(
          eq(invites.userId, userId),
          eq(invites.recipient, recipient),
          isInvite,
          gt(invites.createdAt, now - SAME_RECIPIENT_WINDOW_MS),
        ),
      )
      .limit(1)
      .get(),
    db
      .select({ createdAt: invites.createdAt })
      .from(invites)
      .where(and(eq(invites.userId, userId), isInvite, gt(invites.createdAt, now - DAY_MS)))
      .orderBy(desc(invites.createdAt))
      .limit(INVITES_PER_DAY)
      .all(),
  ]);
  return {
    recipientInvitedRecently: recent !== undefined,
    oldestToday: today.at(-1)?.createdAt ?? null,
  };
}

const inviteColumns = {
  id: invites.id,
  userId: invites.userId,
  channel: invites.channel,
  recipient: invites.recipient,
  message: invites.message,
  status: invites.status,
  attempts: invites.attempts,
  clickedAt: invites.clickedAt,
  createdAt: invites.createdAt,
};

export async function listInvitesOf(
  db: Database,
  userId: string,
  page: { limit: number; beforeId?: string | undefined },
) {
  return db
    .select(inviteColumns)
    .from(invites)
    .where(and(eq(invites.userId, userId), isInvite, before(invites.id, page.beforeId)))
    .orderBy(desc(invites.id))
    .limit(page.limit + 1)
    .all();
}

/** An invite's own language, else (a notification) its user's language now. */
const recipientLocale = sql<string>`coalesce(${invites.locale}, (select ${users.locale} from ${users} where ${users.id} = ${invites.userId}))`;

/**
 * Takes an invite for one delivery attempt, if it is still queued and nobody else holds it:
 * the request that created it and the retry job can never both send it.
 */
export async function claimInviteForDelivery(
  db: Database,
  id: string,
  now: number,
  lockMs: number,
) {
  const claimed = await db
    .update(invites)
    .set({ lockedUntil: now + lockMs })
    .where(and(eq(invites.id, id), claimable(invites, "queued", now)))
    .returning({
      ...inviteColumns,
      purpose: invites.purpose,
      params: invites.params,
      locale: recipientLocale,
      // The admins' texts in that language ride along: no read of their own per message.
      customTexts: customTextsJson(recipientLocale),
      wanted: stillWanted(),
      inviterName: sql<string>`(select ${users.name} from ${users} where ${users.id} = ${invites.userId})`,
      inviterCode: sql<string>`(select ${users.referralCode} from ${users} where ${users.id} = ${invites.userId})`,
    })
    .get();
  if (!claimed) return null;
  return {
    ...claimed,
    locale: isLocale(claimed.locale) ? claimed.locale : DEFAULT_LOCALE,
    customTexts: claimed.customTexts
      ? (JSON.parse(claimed.customTexts) as Record<string, string>)
      : {},
    wanted: Boolean(claimed.wanted),
  };
}

export async function recordDelivered(db: Database, id: string, attempts: number, now: number) {
  await db
    .update(invites)
    .set({
      status: "sent",
      attempts,
      sentAt: now,
      lockedUntil: null,
      nextAttemptAt: null,
      lastError: null,
    })
    .where(and(eq(invites.id, id), eq(invites.status, "queued")))
    .run();
}

export async function recordDeliveryFailure(
  db: Database,
  id: string,
  failure: { attempts: number; nextAttemptAt: number | null; error: string },
) {
  await db
    .update(invites)
    .set({
      status: failure.nextAttemptAt === null ? "failed" : "queued",
      attempts: failure.attempts,
      nextAttemptAt: failure.nextAttemptAt,
      lastError: failure.error.slice(0, 500),
      lockedUntil: null,
    })
    .where(and(eq(invites.id, id), eq(invites.status, "queued")))
    .run();
}

/** Queued invites whose next attempt is due, oldest first, at most `limit`. */
export async function dueInviteIds(db: Database, now: number, limit: number) {
  const rows = await db
    .select({ id: invites.id })
    .from(invites)
    .where(and(eq(invites.status, "queued"), lte(invites.nextAttemptAt, now)))
    .orderBy(invites.nextAttemptAt)
    .limit(limit)
    .all();
  return rows.map((row) => row.id);
}

/** For the signup batch: the invite whose link the new user followed has joined. */
export function markInviteJoined(
  db: Database,
  joined: { inviteId: string; referrerId: string; now: number },
) {
  return db
    .update(invites)
    .set({ status: "joined", joinedAt: joined.now })
    .where(
      and(
        eq(invites.id, joined.inviteId),
        eq(invites.userId, joined.referrerId),
        ne(invites.status, "joined"),
      ),
    );
}
