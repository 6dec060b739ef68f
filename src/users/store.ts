import { and, eq } from "drizzle-orm";
import { referralCodes, referralStats, users } from "../db/schema";
import type { Database } from "../env";

const userColumns = {
  id: users.id,
  name: users.name,
  phone: users.phone,
  role: users.role,
  referralCode: users.referralCode,
  referralCodeCreatedAt: users.referralCodeCreatedAt,
  referredByCode: users.referredByCode,
  createdAt: users.createdAt,
};

export type UserRow = {
  id: string;
  name: string;
  phone: string;
  role: "user" | "admin";
  referralCode: string;
  referralCodeCreatedAt: number;
  referredByCode: string | null;
  createdAt: number;
};

export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  return db.select(userColumns).from(users).where(eq(users.id, id)).get();
}

export async function findUserByPhone(db: Database, phone: string) {
  return db
    .select({ ...userColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.phone, phone))
    .get();
}

/**
 * The owner of an active referral code (in canonical form) with their referral count: what
 * a signup needs to know. A retired code finds nobody, like one that never existed.
 */
export async function findReferrerByCode(db: Database, code: string) {
  return db
    .select({
      id: users.id,
      name: users.name,
      phone: users.phone,
      referralCode: referralCodes.code,
      referralCodeCreatedAt: users.referralCodeCreatedAt,
      referralTotal: referralStats.total,
      referralQualified: referralStats.qualified,
      signupIpHash: users.signupIpHash,
      signupDeviceHash: users.signupDeviceHash,
    })
    .from(referralCodes)
    .innerJoin(users, eq(users.id, referralCodes.userId))
    .innerJoin(referralStats, eq(referralStats.userId, users.id))
    .where(and(eq(referralCodes.normalized, code), eq(referralCodes.status, "active")))
    .get();
}

export interface NewUser {
  id: string;
  name: string;
  phone: string;
  passwordHash: string;
  role: "user" | "admin";
  referralCode: string;
  referredByUserId: string | null;
  referredByCode: string | null;
  signupIpHash: string | null;
  signupDeviceHash: string | null;
  createdAt: number;
}

/** The user; a trigger opens their wallet and referral counters in the same statement. */
export function insertUser(db: Database, user: NewUser) {
  return db.insert(users).values({ ...user, referralCodeCreatedAt: user.createdAt });
}

export function setUserRole(db: Database, id: string, role: "user" | "admin") {
  return db.update(users).set({ role }).where(eq(users.id, id));
}

export function setPasswordHash(db: Database, id: string, passwordHash: string) {
  return db.update(users).set({ passwordHash }).where(eq(users.id, id));
}

export async function referralCountsOf(db: Database, userId: string) {
  return db
    .select({ total: referralStats.total, qualified: referralStats.qualified })
    .from(referralStats)
    .where(eq(referralStats.userId, userId))
    .get();
}
