import { desc, eq, sql } from "drizzle-orm";
import { blocklistEntries } from "../db/schema";
import type { Database } from "../env";
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

/** The whole list, newest first: what signups match (cached, src/fraud/blocklist.ts) and the console shows. */
export async function allBlocklistEntries(db: Database): Promise<BlocklistRow[]> {
  return db
    .select(columns)
    .from(blocklistEntries)
    .orderBy(desc(blocklistEntries.createdAt), desc(blocklistEntries.id))
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
