import { and, type Column, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { auditLog } from "../db/schema";

export interface AuditFilter {
  targetType?: string | undefined;
  targetId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
}

/**
 * Audit entries matching every given filter, newest first (ids sort by time), `limit + 1`
 * of them for `toPage`. A target's entries (with or without its type) are read in order from
 * `audit_log_target_idx`, an actor's from `audit_log_actor_idx`; a filter by type or action
 * alone narrows the newest-first walk of the table.
 */
export async function listAuditEntries(
  db: Database,
  filter: AuditFilter,
  page: { limit: number; beforeId?: string | undefined },
) {
  const equal = (column: Column, value: string | undefined) =>
    value === undefined ? undefined : eq(column, value);
  return db
    .select({
      id: auditLog.id,
      actorId: auditLog.actorId,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      details: auditLog.details,
      createdAt: auditLog.createdAt,
    })
    .from(auditLog)
    .where(
      and(
        equal(auditLog.targetType, filter.targetType),
        equal(auditLog.targetId, filter.targetId),
        equal(auditLog.actorId, filter.actorId),
        equal(auditLog.action, filter.action),
        before(auditLog.id, page.beforeId),
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1)
    .all();
}
