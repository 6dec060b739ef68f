import { auditLog } from "../db/schema";
import type { Database } from "../env";
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

/** The audit row of an admin action, for the same D1 batch as the action: both or neither. */
export function auditEntry(db: Database, entry: AuditEntry) {
  return db.insert(auditLog).values({
    id: newId("aud", entry.at),
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details,
    createdAt: entry.at,
  });
}
