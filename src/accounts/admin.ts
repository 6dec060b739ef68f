import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { ledgerEntries } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { auditEntry } from "../platform/audit";
import type { Deps } from "../platform/deps";
import { runIdempotently } from "../platform/idempotency";
import { requirePhone } from "../users/phones";
import { findUserById, setUserRole, type UserRow } from "../users/store";
import { appendLedgerEntry, asInsufficientPoints } from "../wallet/store";
import {
  type AdminUserRow,
  findAdminUser,
  findAdminUsersByPhone,
  listAdminUsers,
} from "./admin-store";

async function existingUser(db: Database, id: string): Promise<UserRow> {
  const user = await findUserById(db, id);
  if (!user) throw new ApiError("not_found", `No user ${id} exists.`);
  return user;
}

/** One user as an admin sees them (balance, referrals, erased or not). */
export async function userForAdmin(db: Database, id: string, now: number): Promise<AdminUserRow> {
  const user = await findAdminUser(db, id, now);
  if (!user) throw new ApiError("not_found", `No user ${id} exists.`);
  return user;
}

/**
 * The user with `phone` (spelled any way signup accepts, so an admin can type what a caller
 * says), or a page of users newest first. `limit + 1` rows, for `toPage`.
 */
export async function findUsersForAdmin(
  { db, config }: Pick<Deps, "db" | "config">,
  query: { phone?: string | undefined; limit: number; beforeId?: string | undefined },
  now: number,
): Promise<AdminUserRow[]> {
  if (query.phone !== undefined) {
    return findAdminUsersByPhone(db, requirePhone(query.phone, config), now);
  }
  return listAdminUsers(db, query, now);
}

export async function changeRole(
  db: Database,
  actorId: string,
  input: { userId: string; role: "user" | "admin" },
  now: number,
): Promise<UserRow> {
  if (input.userId === actorId) {
    throw new ApiError("forbidden", "Admins cannot change their own role; ask another admin.");
  }
  const user = await existingUser(db, input.userId);
  await db.batch([
    setUserRole(db, user.id, input.role),
    auditEntry(db, {
      actorId,
      action: "user.role",
      targetType: "user",
      targetId: user.id,
      details: { from: user.role, to: input.role },
      at: now,
    }),
  ]);
  return { ...user, role: input.role };
}

export interface AdjustmentInput {
  actorId: string;
  userId: string;
  points: number;
  reason: string;
  idempotencyKey: string;
  requestHash: string;
}

async function findAdjustment(db: Database, id: string) {
  const row = await db
    .select({
      id: ledgerEntries.id,
      userId: ledgerEntries.userId,
      points: ledgerEntries.points,
      reason: ledgerEntries.description,
      balanceAfter: ledgerEntries.balanceAfter,
      createdAt: ledgerEntries.createdAt,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.id, id))
    .get();
  if (!row) throw new Error(`Idempotency key points at missing adjustment ${id}`);
  return row;
}

/**
 * Credits or debits a user by hand: one `adjustment` ledger entry, its audit row and the
 * idempotency key's completion in one batch. A debit cannot take a balance below zero.
 */
export async function adjustPoints(db: Database, input: AdjustmentInput, now: number) {
  const scope = { userId: input.actorId, scope: "adjustment", key: input.idempotencyKey };
  const { value: adjustment, replayed } = await runIdempotently(
    db,
    scope,
    input.requestHash,
    {
      replay: (id) => findAdjustment(db, id),
      run: async (complete) => {
        await existingUser(db, input.userId);
        const id = newId("txn", now);
        try {
          await db.batch([
            appendLedgerEntry(db, {
              id,
              userId: input.userId,
              type: "adjustment",
              points: input.points,
              description: input.reason,
              createdAt: now,
            }),
            auditEntry(db, {
              actorId: input.actorId,
              action: "user.adjust",
              targetType: "user",
              targetId: input.userId,
              details: { points: input.points, reason: input.reason, ledgerEntryId: id },
              at: now,
            }),
            complete(id),
          ]);
        } catch (error) {
          throw asInsufficientPoints(error, "The balance is too low for this debit.");
        }
        return findAdjustment(db, id);
      },
    },
    now,
  );
  return { adjustment, replayed };
}
