import { and, eq, gt, isNull, ne, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { refreshTokens, sessions, users } from "../db/schema";

export interface NewSession {
  sessionId: string;
  userId: string;
  refreshTokenHash: string;
  refreshExpiresAt: number;
  now: number;
}

export function insertSession(db: Database, session: NewSession) {
  return [
    db
      .insert(sessions)
      .values({ id: session.sessionId, userId: session.userId, createdAt: session.now }),
    db.insert(refreshTokens).values({
      tokenHash: session.refreshTokenHash,
      sessionId: session.sessionId,
      expiresAt: session.refreshExpiresAt,
      createdAt: session.now,
    }),
  ] as const;
}

/**
 * A session without a refresh token: what an embed token belongs to, so that logging out
 * everywhere, a password change or an erase ends it like any other session.
 */
export function insertTokenOnlySession(
  db: Database,
  session: { sessionId: string; userId: string; now: number },
) {
  return db
    .insert(sessions)
    .values({ id: session.sessionId, userId: session.userId, createdAt: session.now });
}

export async function findRefreshToken(db: Database, tokenHash: string) {
  return db
    .select({
      sessionId: refreshTokens.sessionId,
      usedAt: refreshTokens.usedAt,
      expiresAt: refreshTokens.expiresAt,
      sessionRevokedAt: sessions.revokedAt,
      userId: users.id,
      role: users.role,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .get();
}

/**
 * Exchanges one refresh token for the next, atomically: the old one is marked used only if
 * it is still unused, unexpired and its session unrevoked, and the new one is inserted only
 * if that mark is this exchange's own (`replaced_by` = the new hash).
 */
export async function rotateRefreshToken(
  db: Database,
  rotation: { oldHash: string; newHash: string; newExpiresAt: number; now: number },
): Promise<boolean> {
  const [marked] = await db.batch([
    db
      .update(refreshTokens)
      .set({ usedAt: rotation.now, replacedBy: rotation.newHash })
      .where(
        and(
          eq(refreshTokens.tokenHash, rotation.oldHash),
          isNull(refreshTokens.usedAt),
          gt(refreshTokens.expiresAt, rotation.now),
          sql`${refreshTokens.sessionId} in (select ${sessions.id} from ${sessions} where ${sessions.revokedAt} is null)`,
        ),
      ),
    // Columns in table order: token_hash, session_id, expires_at, created_at, used_at, replaced_by.
    db.insert(refreshTokens).select(
      sql`select ${rotation.newHash}, ${refreshTokens.sessionId}, ${rotation.newExpiresAt}, ${rotation.now}, null, null
        from ${refreshTokens}
        where ${refreshTokens.tokenHash} = ${rotation.oldHash} and ${refreshTokens.replacedBy} = ${rotation.newHash}`,
    ),
  ]);
  return marked.meta.changes === 1;
}

export async function revokeSession(db: Database, sessionId: string, now: number) {
  await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .run();
}

/** Revokes the user's live sessions, or only those `which` picks: for a batch or `.run()`. */
function revokeLiveSessions(db: Database, userId: string, now: number, which?: SQL) {
  return db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), which));
}

/** Logout: one session (the one `refreshTokenHash` belongs to) or, without it, all of them. */
export async function revokeSessionsOfUser(
  db: Database,
  userId: string,
  now: number,
  refreshTokenHash?: string,
) {
  const ofToken =
    refreshTokenHash === undefined
      ? undefined
      : sql`${sessions.id} = (select ${refreshTokens.sessionId} from ${refreshTokens} where ${refreshTokens.tokenHash} = ${refreshTokenHash})`;
  await revokeLiveSessions(db, userId, now, ofToken).run();
}

/**
 * Revokes every live session of the user but `keepSessionId` (a password change keeps the
 * caller's), or all of them: for the caller's batch.
 */
export function revokeSessionsExcept(
  db: Database,
  userId: string,
  now: number,
  keepSessionId?: string,
) {
  return revokeLiveSessions(
    db,
    userId,
    now,
    keepSessionId === undefined ? undefined : ne(sessions.id, keepSessionId),
  );
}

/**
 * Whether an access token's session is still live: one primary-key read per authenticated
 * request, so that logout and a reused refresh token end its access tokens at once.
 */
export async function sessionIsLive(db: Database, sessionId: string): Promise<boolean> {
  const row = await db
    .select({ revokedAt: sessions.revokedAt })
    .from(sessions)
    .where(eq(sessions.id, sessionId))
    .get();
  return row !== undefined && row.revokedAt === null;
}

/** What a password check of a signed-in user needs: their id, phone and password hash. */
export async function findCredentials(db: Database, userId: string) {
  return db
    .select({ id: users.id, phone: users.phone, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId))
    .get();
}

/**
 * The role of a user who is not erased, read from D1 on every admin request (not from the
 * token), so that a demotion or an erasure takes effect at once.
 */
export async function currentRole(db: Database, userId: string) {
  const row = await db
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.erasedAt)))
    .get();
  return row?.role;
}
