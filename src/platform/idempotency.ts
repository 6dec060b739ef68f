import { z } from "@hono/zod-openapi";
import { and, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { errorText, isServerKeyRefusal } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { idFromOutside } from "../lib/ids";
import { DAY_MS } from "../lib/time";

/** Keys live at least this long (the IETF Idempotency-Key draft asks for 24 hours). */
export const IDEMPOTENCY_KEY_TTL_MS = DAY_MS;
/** How long a first request may hold its key before a retry may assume it died. */
const LOCK_MS = 30_000;

/** The header every idempotent write requires. */
export const IdempotencyHeaderSchema = z.object({
  "idempotency-key": idFromOutside(z.string().min(8).max(128)).openapi({
    description: "Unique per operation; a retry with the same key and body replays the result.",
  }),
});

/** The response header that marks a replay, on the routes that take an Idempotency-Key. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** The `headers` of such a route's success response, for its OpenAPI declaration. */
export const replayedResponseHeaders = {
  [REPLAYED_HEADER]: {
    description:
      "`true` when this is the stored result of an earlier request with the same Idempotency-Key.",
    schema: { type: "string" as const, enum: ["true"] },
  },
};

export interface IdempotencyScope {
  userId: string;
  /** Names the operation, so one key string can serve different endpoints independently. */
  scope: string;
  key: string;
}

export type IdempotencyClaim =
  /**
   * The first request with this key: do the work, and add `complete(id)` to its batch, or
   * `release()` the key when the work fails. Both hold only while this request owns the lock.
   */
  | {
      kind: "claimed";
      complete: (resourceId: string) => BatchItem<"sqlite">;
      release: () => Promise<void>;
    }
  /** A repeat of a request that already succeeded: answer with what it created. */
  | { kind: "replay"; resourceId: string };

function keyIs(at: IdempotencyScope) {
  return and(
    eq(idempotencyKeys.userId, at.userId),
    eq(idempotencyKeys.scope, at.scope),
    eq(idempotencyKeys.key, at.key),
  );
}

/** What a claim wrote, so that its completion can prove it still owns the key. */
interface Lock {
  requestHash: string;
  token: string;
  now: number;
}

/**
 * Marks the key done, for the batch of the work itself. It presents the claim's lock token:
 * the trigger `idempotency_keys_completed_by_owner` aborts the batch when a retry has taken
 * the lock over meanwhile (the work is then not done twice). An upsert, so that a key
 * deleted meanwhile is written back rather than leaving the work without its key.
 */
function completeStatement(db: Database, at: IdempotencyScope, lock: Lock, resourceId: string) {
  return db
    .insert(idempotencyKeys)
    .values({ ...lockedRow(at, lock), resourceId })
    .onConflictDoUpdate({
      target: [idempotencyKeys.userId, idempotencyKeys.scope, idempotencyKeys.key],
      set: { resourceId, lockToken: lock.token },
    });
}

function lockedRow(at: IdempotencyScope, lock: Lock) {
  return {
    ...at,
    requestHash: lock.requestHash,
    resourceId: null,
    lockToken: lock.token,
    lockedUntil: lock.now + LOCK_MS,
    createdAt: lock.now,
    expiresAt: lock.now + IDEMPOTENCY_KEY_TTL_MS,
  };
}

/** The trigger's message when a completion no longer owns its key. */
const TAKEN_OVER = "idempotency_key_taken_over";

/** A stable hash of a validated request body (key order and whitespace do not matter). */
export async function requestFingerprint(body: unknown): Promise<string> {
  const canonical = JSON.stringify(body, (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return sha256Hex(canonical);
}

/**
 * Claims `key` for one request. The claim is an insert that only one request can win; the
 * completion is written in the same D1 batch as the work itself, so a key is never marked
 * done without its effects, nor effects left without their key.
 */
export async function claimIdempotencyKey(
  db: Database,
  at: IdempotencyScope,
  requestHash: string,
  now: number,
): Promise<IdempotencyClaim> {
  const lock: Lock = { requestHash, token: crypto.randomUUID(), now };
  const claimed: IdempotencyClaim = {
    kind: "claimed",
    complete: (resourceId) => completeStatement(db, at, lock, resourceId),
    release: () => releaseIdempotencyKey(db, at, lock.token),
  };
  const inserted = await db
    .insert(idempotencyKeys)
    .values(lockedRow(at, lock))
    .onConflictDoNothing()
    .run();
  if (inserted.meta.changes === 1) return claimed;

  const existing = await db
    .select({
      requestHash: idempotencyKeys.requestHash,
      resourceId: idempotencyKeys.resourceId,
      lockedUntil: idempotencyKeys.lockedUntil,
      expiresAt: idempotencyKeys.expiresAt,
    })
    .from(idempotencyKeys)
    .where(keyIs(at))
    .get();
  if (!existing) return claimIdempotencyKey(db, at, requestHash, now);

  const expired = existing.expiresAt <= now;
  if (!expired && existing.requestHash !== requestHash) {
    throw new ApiError(
      "idempotency_key_reused",
      "This Idempotency-Key was used with a different request body.",
    );
  }
  if (!expired && existing.resourceId !== null) {
    return { kind: "replay", resourceId: existing.resourceId };
  }
  // An expired key, or a first request that died holding its lock: take it over, once.
  const takenOver = await db
    .update(idempotencyKeys)
    .set(lockedRow(at, lock))
    .where(
      and(
        keyIs(at),
        or(
          lte(idempotencyKeys.expiresAt, now),
          and(isNull(idempotencyKeys.resourceId), lte(idempotencyKeys.lockedUntil, now)),
        ),
      ),
    )
    .run();
  if (takenOver.meta.changes === 1) return claimed;
  throw new ApiError(
    "idempotency_in_progress",
    "A request with this Idempotency-Key is still being processed; retry shortly.",
  );
}

/**
 * Frees a key whose request failed, so that the client may retry it with the same key; only
 * while that request still holds it (never a lock a retry has taken over since).
 */
async function releaseIdempotencyKey(
  db: Database,
  at: IdempotencyScope,
  token: string,
): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(keyIs(at), isNull(idempotencyKeys.resourceId), eq(idempotencyKeys.lockToken, token)))
    .run();
}

/** Housekeeping: deletes up to `limit` keys past their lifetime; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Database, now: number, limit: number) {
  const result = await db.run(sql`delete from ${idempotencyKeys} where rowid in (
    select rowid from ${idempotencyKeys} where ${idempotencyKeys.expiresAt} <= ${now} limit ${limit})`);
  return result.meta.changes;
}

/**
 * The key written done by the work's own batch, as a plain insert: the batch fails on the
 * key's unique index when any request (a repeat, a different body, an earlier claim) has the
 * key already, so the work is done only by the request that writes the key.
 */
function firstCompletion(db: Database, at: IdempotencyScope, lock: Lock, resourceId: string) {
  return db.insert(idempotencyKeys).values({ ...lockedRow(at, lock), resourceId });
}

async function keyExists(db: Database, at: IdempotencyScope): Promise<boolean> {
  const row = await db
    .select({ key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(keyIs(at))
    .get();
  return row !== undefined;
}

/**
 * Runs an operation at most once per key: a repeat replays what the first run made, a
 * different body is refused, and a run that fails frees the key for a retry. `run` must
 * put `complete(id)` in the same D1 batch as its own writes.
 *
 * A new key costs no round trip of its own: the first run writes the key in its batch
 * (`firstCompletion`), and only when that run fails and the key turns out to exist (a
 * repeat, a race lost to a parallel request, a key in use or expired) does the claim decide:
 * replay, refuse, or take the key over and run again.
 *
 * @example runIdempotently(db, scope, hash, { run: (complete) => …, replay: (id) => … }, now)
 */
export async function runIdempotently<T>(
  db: Database,
  at: IdempotencyScope,
  requestHash: string,
  operation: {
    run: (complete: (resourceId: string) => BatchItem<"sqlite">) => Promise<T>;
    replay: (resourceId: string) => Promise<T>;
  },
  now: number,
): Promise<{ value: T; replayed: boolean }> {
  const lock: Lock = { requestHash, token: crypto.randomUUID(), now };
  try {
    const value = await operation.run((resourceId) => firstCompletion(db, at, lock, resourceId));
    return { value, replayed: false };
  } catch (error) {
    // A run refused for a reason of its own (e.g. the points a first run spent) is a repeat
    // when the key exists: then the key's first request decides the answer. Not a caller
    // refused itself (its server key revoked since its check): that gets no replay either.
    if (isServerKeyRefusal(error) || !(await keyExists(db, at))) throw error;
  }
  const claim = await claimIdempotencyKey(db, at, requestHash, now);
  if (claim.kind === "replay")
    return { value: await operation.replay(claim.resourceId), replayed: true };
  try {
    return { value: await operation.run(claim.complete), replayed: false };
  } catch (error) {
    await claim.release();
    if (errorText(error).includes(TAKEN_OVER)) {
      // This request stalled past its lock and a retry now owns the key: the retry's
      // outcome is the one that counts, and this request's batch changed nothing.
      throw new ApiError(
        "idempotency_in_progress",
        "A retry with this Idempotency-Key took over this request; retry to see its outcome.",
      );
    }
    throw error;
  }
}
