import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog } from "../db/schema";
import { newId } from "../lib/ids";

export const auditTargetTypes = [
  "program",
  "reward",
  "user",
  "campaign",
  "referral",
  "webhook",
  "api_key",
  "redemption",
  "message",
  "blocklist_entry",
  "link_settings",
] as const;

export interface AuditEntry {
  actorId: string;
  /** Dotted verb, e.g. "program.update", "user.role". */
  action: string;
  targetType: (typeof auditTargetTypes)[number];
  targetId: string;
  details: Record<string, unknown>;
  at: number;
}

/**
 * The audit row of an admin action, for the same D1 batch as the action: both or neither.
 * With `onlyIf`, the row is written only if that condition holds when the batch runs — put
 * it before the action and make it the action's own precondition, so that of two admins
 * doing the same thing at once, only the one whose action took effect is on record.
 */
export function auditEntry(db: Database, entry: AuditEntry & { onlyIf?: SQL }) {
  const row = {
    id: newId("aud", entry.at),
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details,
    createdAt: entry.at,
  };
  if (!entry.onlyIf) return db.insert(auditLog).values(row);
  return db.insert(auditLog).select(
    sql`select ${row.id}, ${row.actorId}, ${row.action}, ${row.targetType}, ${row.targetId},
      ${JSON.stringify(row.details)}, ${row.createdAt} where ${entry.onlyIf}`,
  );
}
