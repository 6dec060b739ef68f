import {
  API_KEY_PREFIX,
  apiKeyHash,
  findLiveApiKey,
  insertApiKey,
  isLiveApiKey,
  revokeApiKey,
} from "../credentials/server-keys";
import type { Database } from "../db/client";
import type { ApiKeyScope } from "../db/schema";
import { ApiError } from "../errors";
import { randomToken } from "../lib/crypto";
import { newId } from "../lib/ids";
import { auditEntry } from "../platform/audit";

/**
 * A new key for a back end. The secret is returned once; D1 keeps its hash, and the audit
 * row is written in the same batch.
 */
/** Characters of the secret kept in clear (after rk_) to tell keys apart in a list. */
const SHOWN_CHARACTERS = 8;

export async function createApiKey(
  db: Database,
  actorId: string,
  input: { name: string; scopes: ApiKeyScope[] },
  now: number,
) {
  const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
  const apiKey = {
    id: newId("key", now),
    name: input.name,
    scopes: [...new Set(input.scopes)],
    prefix: secret.slice(0, API_KEY_PREFIX.length + SHOWN_CHARACTERS),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await db.batch([
    insertApiKey(db, { ...apiKey, secretHash: await apiKeyHash(secret), createdBy: actorId }),
    auditEntry(db, {
      actorId,
      action: "api_key.create",
      targetType: "api_key",
      targetId: apiKey.id,
      details: { name: apiKey.name, scopes: apiKey.scopes, prefix: apiKey.prefix },
      at: now,
    }),
  ]);
  return { apiKey, secret };
}

/**
 * Revokes a key: the next request with it is refused (keys are read from D1 on every call).
 * Of parallel revocations one takes effect and is audited; the others are a 404.
 */
export async function deleteApiKey(db: Database, actorId: string, id: string, now: number) {
  const key = await findLiveApiKey(db, id);
  if (!key) throw new ApiError("not_found", `No API key ${id} exists.`);
  const [, revoked] = await db.batch([
    auditEntry(db, {
      actorId,
      action: "api_key.revoke",
      targetType: "api_key",
      targetId: id,
      details: { name: key.name, prefix: key.prefix },
      at: now,
      onlyIf: isLiveApiKey(id),
    }),
    revokeApiKey(db, id, now),
  ]);
  if (revoked.meta.changes === 0) throw new ApiError("not_found", `No API key ${id} exists.`);
}
