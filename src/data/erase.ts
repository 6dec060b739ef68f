/**
 * DELETE /v1/me and DELETE /v1/admin/users/{id}: erase a person, keep the books. One batch
 * (with the audit row when an admin erases), then the link cache forgets their codes.
 */

import { type AuthDeps, checkPassword, passwordAccount } from "../auth/service";
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { forgetLinkCodes } from "../links/service";
import { auditEntry } from "../platform/audit";
import { codesOf, eraseWrites, findErasable } from "./erase-store";

async function erasable(db: Database, userId: string) {
  const user = await findErasable(db, userId);
  if (!user || user.erasedAt !== null) throw new ApiError("not_found", `No user ${userId} exists.`);
  return user;
}

async function erase(db: Database, kv: KVNamespace, userId: string, audit?: { actorId: string }) {
  const now = Date.now();
  const codes = await codesOf(db, userId);
  await db.batch([
    ...eraseWrites(db, userId, now),
    ...(audit
      ? [
          auditEntry(db, {
            actorId: audit.actorId,
            action: "user.erase",
            targetType: "user",
            targetId: userId,
            details: {},
            at: now,
          }),
        ]
      : []),
  ]);
  await forgetLinkCodes(kv, codes);
}

/**
 * The caller erases themselves; the password proves it is them, not a stolen token, and its
 * wrong guesses count into the login's failure limits. A participant created by a back end
 * has no password: the back end or an admin erases it.
 */
export async function eraseMe(
  deps: Pick<AuthDeps, "db" | "config" | "rateLimiter" | "metrics">,
  kv: KVNamespace,
  userId: string,
  proof: { password: string; ip: string },
) {
  const user = await erasable(deps.db, userId);
  await checkPassword(deps, {
    account: passwordAccount(user),
    ip: proof.ip,
    password: proof.password,
    load: async () => user,
    wrong: "The password is wrong.",
  });
  await erase(deps.db, kv, userId);
}

export async function eraseUserAsAdmin(
  db: Database,
  kv: KVNamespace,
  actorId: string,
  userId: string,
) {
  if (userId === actorId) {
    throw new ApiError("forbidden", "Admins erase themselves with DELETE /v1/me.");
  }
  await erasable(db, userId);
  await erase(db, kv, userId, { actorId });
}
