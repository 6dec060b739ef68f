import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { blocklistEntries } from "../db/schema";
import type { BlocklistAction, BlocklistEntry, BlocklistType } from "./blocklist-rules";

export interface BlocklistRow extends BlocklistEntry {
  note: string | null;
  createdAt: number;
}

const columns = {
  id: blocklistEntries.id,
  type: blocklistEntries.type,
  value: blocklistEntries.value,
  action: blocklistEntries.action,
  note: blocklistEntries.note,
  createdAt: blocklistEntries.createdAt,
};

export function insertBlocklistEntry(
  db: Database,
  entry: {
    id: string;
    type: BlocklistType;
    value: string;
    action: BlocklistAction;
    note: string | null;
    createdBy: string;
    createdAt: number;
  },
) {
  return db.insert(blocklistEntries).values(entry);
}

/** The whole list: what signups match (cached per isolate, src/fraud/blocklist.ts). */
export async function allBlocklistEntries(db: Database): Promise<BlocklistRow[]> {
  return db.select(columns).from(blocklistEntries).all();
}

/** A page of entries, newest first (ids sort by creation), `limit + 1` of them for `toPage`. */
export async function listBlocklistEntries(
  db: Database,
  page: { limit: number; beforeId?: string | undefined },
): Promise<BlocklistRow[]> {
  return db
    .select(columns)
    .from(blocklistEntries)
    .where(before(blocklistEntries.id, page.beforeId))
    .orderBy(desc(blocklistEntries.id))
    .limit(page.limit + 1)
    .all();
}

export async function findBlocklistEntry(db: Database, id: string) {
  return db.select(columns).from(blocklistEntries).where(eq(blocklistEntries.id, id)).get();
}

/** For the audit row's `onlyIf`: the entry is still there when the batch runs. */
export function blocklistEntryExists(id: string) {
  return sql`exists (select 1 from ${blocklistEntries} where ${blocklistEntries.id} = ${id})`;
}

export function deleteBlocklistEntry(db: Database, id: string) {
  return db.delete(blocklistEntries).where(eq(blocklistEntries.id, id));
}
