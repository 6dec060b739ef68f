/**
 * Notification SMS to a user about their own account: a friend joined with their code, a
 * referral paid them, they reached a milestone or badge, points are about to expire. Each
 * is a row of the invite outbox (purpose = the kind), written by a statement that goes in
 * the batch of the change that causes it — so a change that rolls back notifies nobody —
 * and sent by the invite delivery (retries, daily SMS budget, the configured sender).
 */
import { SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { invites, type outboxPurposes, programs, users } from "../db/schema";
import type { Placeholder } from "../i18n/kinds";
import type { Locale } from "../i18n/locales";
import { datePhrase, labelFor, pointsPhrase } from "../i18n/messages";
import type { Labels } from "../i18n/schemas";
import { newId } from "../lib/ids";
import type { NotificationSwitches } from "../program/schemas";

export type NotificationKind = Exclude<(typeof outboxPurposes)[number], "invite">;

/** The program switch of each kind (`rules.notifications`). */
export const notificationSwitch: Record<NotificationKind, keyof NotificationSwitches> = {
  friend_joined: "friendJoined",
  referral_rewarded: "referralRewarded",
  milestone_reached: "milestoneReached",
  points_expiring: "pointsExpiring",
};

/** What a notification's text is filled with, stored with it and put in words when sent. */
export interface NotificationParams {
  /** A friend's masked name. */
  name?: string;
  points?: number;
  /** Epoch ms of the day points expire. */
  date?: number;
  reward?: { key: string; labels?: Labels | undefined };
}

export interface Notification {
  userId: string;
  kind: NotificationKind;
  /** Values, or SQL that computes their JSON inside the insert (e.g. a sum of points). */
  params: NotificationParams | SQL;
  now: number;
  /** Sent once per user and key, however many times it is queued (e.g. `expiry:2026-12-12`). */
  onceKey?: string;
}

/**
 * The outbox row of a notification, for the caller's batch, or none when the program has
 * the kind switched off. The insert itself skips a user who turned notifications off, was
 * erased or has no phone. Due at once: the next delivery pass (each minute) sends it.
 */
export function notificationStatements(
  db: Database,
  switches: NotificationSwitches,
  notification: Notification,
) {
  if (!switches[notificationSwitch[notification.kind]]) return [];
  const { userId, kind, params, now, onceKey = null } = notification;
  const id = newId("inv", now);
  const paramsJson = params instanceof SQL ? params : JSON.stringify(params);
  // Columns in table order (the invites table's, with the purpose columns added last).
  return [
    db
      .insert(invites)
      .select(
        sql`select ${id}, ${users.id}, 'sms', ${users.phone}, null, 'queued', 0, ${now}, null, null,
               ${now}, null, null, null, ${kind}, null, ${paramsJson}, ${onceKey}
          from ${users}
         where ${users.id} = ${userId} and ${users.notifications} = 1
           and ${users.erasedAt} is null and ${users.phone} is not null`,
      )
      .onConflictDoNothing(),
  ];
}

/**
 * For the claim of a row about to be sent: whether it may still go. An invite always; a
 * notification only while its user wants notifications, is not erased, and the program in
 * force has its kind on — a switch turned off also stops what was queued before.
 */
export function stillWanted() {
  const switchKey = sql`case ${invites.purpose}
      when 'friend_joined' then '$.notifications.friendJoined'
      when 'referral_rewarded' then '$.notifications.referralRewarded'
      when 'milestone_reached' then '$.notifications.milestoneReached'
      else '$.notifications.pointsExpiring' end`;
  return sql<number>`(${invites.purpose} = 'invite' or (
      exists (select 1 from ${users} where ${users.id} = ${invites.userId}
               and ${users.notifications} = 1 and ${users.erasedAt} is null)
      and coalesce((select json_extract(${programs.rules}, ${switchKey}) from ${programs}
                     order by ${programs.version} desc limit 1), 1) = 1))`;
}

/** A notification's values in the words of `locale`: plural points, a local date, a label. */
export function notificationValues(
  params: NotificationParams,
  locale: Locale,
): Partial<Record<Placeholder, string>> {
  return {
    ...(params.name === undefined ? {} : { name: params.name }),
    ...(params.points === undefined ? {} : { points: pointsPhrase(params.points, locale) }),
    ...(params.date === undefined ? {} : { date: datePhrase(params.date, locale) }),
    ...(params.reward === undefined
      ? {}
      : { reward: labelFor(params.reward.key, params.reward.labels, locale) }),
  };
}
