/**
 * The block list: admins' entries, and the screening of signups and invites against them.
 *
 * Screening must not cost a signup a D1 round trip: each isolate keeps the compiled list
 * for BLOCKLIST_CACHE_MS and reads it again after that (one read shared by the requests
 * that find it stale). An entry added or deleted reaches every isolate within that time,
 * and the isolate that wrote it at once.
 */
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { phoneFacts } from "../lib/phone";
import { auditEntry } from "../platform/audit";
import {
  type BlocklistAction,
  type BlocklistMatch,
  type BlocklistSubject,
  type BlocklistType,
  blocklistVerdict,
  type CompiledBlocklist,
  canonicalBlocklistValue,
  compileBlocklist,
  matchBlocklist,
} from "./blocklist-rules";
import {
  allBlocklistEntries,
  blocklistEntryExists,
  deleteBlocklistEntry,
  findBlocklistEntry,
  insertBlocklistEntry,
} from "./blocklist-store";

/** How stale an isolate's copy of the list may be (docs/security.md). */
export const BLOCKLIST_CACHE_MS = 30_000;

/**
 * This isolate's copy: only a list already read, never a read still in flight. A pending D1
 * read belongs to the request that started it (workerd ties I/O to its request), so a
 * second request waiting on it would stall if the first were cancelled; concurrent
 * requests on a cold isolate each read the list once instead.
 */
let cached: { list: CompiledBlocklist; loadedAt: number } | null = null;
/** Counts the changes made here, so that a read begun before one is not kept after it. */
let changes = 0;

/** The compiled list, from this isolate's copy while it is fresh. */
export async function currentBlocklist(db: Database, now: number): Promise<CompiledBlocklist> {
  if (cached && now - cached.loadedAt < BLOCKLIST_CACHE_MS) return cached.list;
  const changesBefore = changes;
  const list = compileBlocklist(await allBlocklistEntries(db));
  if (changes === changesBefore) cached = { list, loadedAt: now };
  return list;
}

/** After a change made here: this isolate reads the list again on its next screening. */
function forgetBlocklist() {
  changes += 1;
  cached = null;
}

/**
 * Screens a signup or an invite: `403 blocked` when an entry with action `refuse` matches
 * (before anything is written), else the matches that hold its referral for review.
 */
export async function screenAgainstBlocklist(
  db: Database,
  subject: BlocklistSubject,
  now: number,
): Promise<BlocklistMatch[]> {
  const compiled = await currentBlocklist(db, now);
  const phoneCountry =
    subject.phoneCountry ?? (subject.phone ? phoneFacts(subject.phone).country : null);
  const verdict = blocklistVerdict(matchBlocklist(compiled, { ...subject, phoneCountry }));
  if (verdict.refused) {
    throw new ApiError("blocked", "This request cannot be accepted: it matches the block list.");
  }
  return verdict.holds;
}

function invalidValue(message: string): ApiError {
  return new ApiError("validation_error", "The request is not valid.", {
    details: [{ path: "value", message }],
  });
}

export async function addBlocklistEntry(
  db: Database,
  actorId: string,
  input: { type: BlocklistType; value: string; action: BlocklistAction; note?: string | undefined },
  now: number,
) {
  const canonical = canonicalBlocklistValue(input.type, input.value);
  if ("error" in canonical) throw invalidValue(canonical.error);
  const entry = {
    id: newId("blk", now),
    type: input.type,
    value: canonical.value,
    action: input.action,
    note: input.note ?? null,
    createdAt: now,
  };
  await db.batch([
    insertBlocklistEntry(db, { ...entry, createdBy: actorId }),
    auditEntry(db, {
      actorId,
      action: "blocklist.add",
      targetType: "blocklist_entry",
      targetId: entry.id,
      details: { type: entry.type, value: entry.value, action: entry.action },
      at: now,
    }),
  ]);
  forgetBlocklist();
  return entry;
}

/** Deletes an entry; of parallel deletions one is audited, the others are a 404. */
export async function removeBlocklistEntry(db: Database, actorId: string, id: string, now: number) {
  const entry = await findBlocklistEntry(db, id);
  if (!entry) throw new ApiError("not_found", `No block list entry ${id} exists.`);
  const [, deleted] = await db.batch([
    auditEntry(db, {
      actorId,
      action: "blocklist.remove",
      targetType: "blocklist_entry",
      targetId: id,
      details: { type: entry.type, value: entry.value, action: entry.action },
      at: now,
      onlyIf: blocklistEntryExists(id),
    }),
    deleteBlocklistEntry(db, id),
  ]);
  forgetBlocklist();
  if (deleted.meta.changes === 0)
    throw new ApiError("not_found", `No block list entry ${id} exists.`);
}
