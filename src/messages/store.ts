import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { messageTexts } from "../db/schema";
import type { MessageKind } from "../i18n/kinds";
import type { Locale } from "../i18n/locales";
import { auditEntry } from "../platform/audit";

/** Every reworded text: a handful of rows at most (12 kinds × 3 locales). */
export async function listCustomTexts(db: Database) {
  return db
    .select({ kind: messageTexts.kind, locale: messageTexts.locale, text: messageTexts.text })
    .from(messageTexts)
    .all();
}

/** The admin's text for one kind and locale, or null when the default is in force. */
export async function customTextOf(db: Database, kind: MessageKind, locale: Locale) {
  const row = await db
    .select({ text: messageTexts.text })
    .from(messageTexts)
    .where(and(eq(messageTexts.kind, kind), eq(messageTexts.locale, locale)))
    .get();
  return row?.text ?? null;
}

/**
 * For a statement that sends a message: the reworded texts of a locale (given as SQL) as one
 * JSON object `{ kind: text }`, so reading them costs no round trip of its own.
 */
export function customTextsJson(locale: ReturnType<typeof sql>) {
  return sql<
    string | null
  >`(select json_group_object(${messageTexts.kind}, ${messageTexts.text}) from ${messageTexts} where ${messageTexts.locale} = ${locale})`;
}

/** Stores an admin's text with its audit row, in one batch. */
export async function putCustomText(
  db: Database,
  change: { kind: MessageKind; locale: Locale; text: string; actorId: string; now: number },
) {
  const row = {
    kind: change.kind,
    locale: change.locale,
    text: change.text,
    updatedAt: change.now,
    updatedBy: change.actorId,
  };
  await db.batch([
    db
      .insert(messageTexts)
      .values(row)
      .onConflictDoUpdate({
        target: [messageTexts.kind, messageTexts.locale],
        set: { text: row.text, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
      }),
    auditEntry(db, {
      actorId: change.actorId,
      action: "message.update",
      targetType: "message",
      targetId: `${change.kind}/${change.locale}`,
      details: { text: change.text },
      at: change.now,
    }),
  ]);
}

/**
 * Restores the default: the row goes, and the audit row is written only if there was one
 * (of two admins restoring at once, one is on record).
 */
export async function deleteCustomText(
  db: Database,
  change: { kind: MessageKind; locale: Locale; actorId: string; now: number },
) {
  const exists = sql`exists (select 1 from ${messageTexts} where ${messageTexts.kind} = ${change.kind} and ${messageTexts.locale} = ${change.locale})`;
  await db.batch([
    auditEntry(db, {
      actorId: change.actorId,
      action: "message.reset",
      targetType: "message",
      targetId: `${change.kind}/${change.locale}`,
      details: {},
      at: change.now,
      onlyIf: exists,
    }),
    db
      .delete(messageTexts)
      .where(and(eq(messageTexts.kind, change.kind), eq(messageTexts.locale, change.locale))),
  ]);
}
