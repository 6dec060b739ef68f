import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { type ApiKeyScope, apiKeys, revokedServerKeyWrites } from "../db/schema";
import { sha256Hex } from "../lib/crypto";

/** Every server key secret starts so: it tells a key from an access token at a glance. */
export const API_KEY_PREFIX = "rk_";

/** The stored form of a presented secret: its SHA-256 (the secret has 256 random bits). */
export function apiKeyHash(secret: string): Promise<string> {
  return sha256Hex(secret);
}

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  scopes: apiKeys.scopes,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export type ApiKeyRow = {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

export function insertApiKey(
  db: Database,
  key: ApiKeyRow & { secretHash: string; createdBy: string },
) {
  return db.insert(apiKeys).values(key);
}

/** The live keys, newest first; with `includeRevoked`, the revoked ones too. */
export async function listApiKeys(
  db: Database,
  { includeRevoked }: { includeRevoked: boolean },
): Promise<ApiKeyRow[]> {
  return db
    .select(publicColumns)
    .from(apiKeys)
    .where(includeRevoked ? undefined : isNull(apiKeys.revokedAt))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(500)
    .all();
}

const liveKey = (id: string) => and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt));

export async function findLiveApiKey(db: Database, id: string): Promise<ApiKeyRow | undefined> {
  return db.select(publicColumns).from(apiKeys).where(liveKey(id)).get();
}

/** An indexed equality read on the secret's hash: no secret is ever compared here. */
export async function findLiveApiKeyByHash(db: Database, secretHash: string) {
  return db
    .select({
      id: apiKeys.id,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
      createdBy: apiKeys.createdBy,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)))
    .get();
}

/** "This key exists and is not revoked", as a condition for another statement of a batch. */
export const isLiveApiKey = (id: string) =>
  sql`exists (select 1 from ${apiKeys} where ${liveKey(id)})`;

/**
 * For the batch of a write that checked its server key where its reads go (a replica that
 * may be behind a revocation): put first, it fails the whole batch when the key `id` is no
 * longer live on the primary (CHECK server_key_revoked, see isServerKeyRefusal), and writes
 * nothing when it is. Build it on the client that runs the batch.
 */
export function serverKeyGuard(db: Database, id: string) {
  return db.insert(revokedServerKeyWrites).select(sql`select ${id} where not ${isLiveApiKey(id)}`);
}

export function revokeApiKey(db: Database, id: string, now: number) {
  return db.update(apiKeys).set({ revokedAt: now }).where(liveKey(id));
}

/** Records use at most once per `everyMs` per key: a conditional write, not one per call. */
export async function touchApiKey(db: Database, id: string, now: number, everyMs: number) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - everyMs)),
      ),
    )
    .run();
}
