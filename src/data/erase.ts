import { checkPassword, passwordAccount } from "../auth/service";
import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { forgetLinkCodes } from "../links/service";
import { auditEntry } from "../platform/audit";
import type { Deps } from "../platform/deps";
import { codesOf, eraseWrites, findErasable } from "./erase-store";

async function erasable(db: Database, userId: string) {
  const user = await findErasable(db, userId);
  if (!user || user.erasedAt !== null) throw new ApiError("not_found", `No user ${userId} exists.`);
  return user;
}

async function erase(
  { db, kv }: Pick<Deps, "db" | "kv">,
  userId: string,
  now: number,
  audit?: { actorId: string },
) {
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
  deps: Pick<Deps, "db" | "kv" | "config" | "rateLimiter" | "metrics">,
  userId: string,
  proof: { password: string; ip: string },
  now: number,
) {
  const user = await erasable(deps.db, userId);
  await checkPassword(deps, {
    account: passwordAccount(user),
    ip: proof.ip,
    password: proof.password,
    load: async () => user,
    wrong: "The password is wrong.",
  });
  await erase(deps, userId, now);
}

export async function eraseUserAsAdmin(
  deps: Pick<Deps, "db" | "kv">,
  actorId: string,
  userId: string,
  now: number,
) {
  if (userId === actorId) {
    throw new ApiError("forbidden", "Admins erase themselves with DELETE /v1/me.");
  }
  await erasable(deps.db, userId);
  await erase(deps, userId, now, { actorId });
}
