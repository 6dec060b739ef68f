import { desc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { referralStats, users } from "../db/schema";
import { type UserRow, userColumns } from "../users/store";
import { spendableBalance } from "../wallet/store";

export type AdminUserRow = UserRow & {
  erasedAt: number | null;
  balance: number;
  referralsTotal: number;
  referralsQualified: number;
};

/** What an admin sees of users: each with their spendable balance and referral counts. */
function selectAdminUsers(db: Database, where: SQL | undefined, now: number) {
  return db
    .select({
      ...userColumns,
      erasedAt: users.erasedAt,
      balance: spendableBalance(users.id, now),
      referralsTotal: sql<number>`coalesce(${referralStats.total}, 0)`,
      referralsQualified: sql<number>`coalesce(${referralStats.qualified}, 0)`,
    })
    .from(users)
    .leftJoin(referralStats, eq(referralStats.userId, users.id))
    .where(where);
}

export async function findAdminUser(
  db: Database,
  id: string,
  now: number,
): Promise<AdminUserRow | undefined> {
  return selectAdminUsers(db, eq(users.id, id), now).get();
}

/** The user with this phone (E.164), as a list of none or one. */
export async function findAdminUsersByPhone(
  db: Database,
  phone: string,
  now: number,
): Promise<AdminUserRow[]> {
  return selectAdminUsers(db, eq(users.phone, phone), now).all();
}

/** Users newest first (ids sort by creation time), `limit + 1` of them for `toPage`. */
export async function listAdminUsers(
  db: Database,
  page: { limit: number; beforeId?: string | undefined },
  now: number,
): Promise<AdminUserRow[]> {
  return selectAdminUsers(db, before(users.id, page.beforeId), now)
    .orderBy(desc(users.id))
    .limit(page.limit + 1)
    .all();
}
