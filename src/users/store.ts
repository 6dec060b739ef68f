import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { referralCodes, referralStats, users } from "../db/schema";
import type { Locale } from "../i18n/locales";

export const userColumns = {
  id: users.id,
  name: users.name,
  phone: users.phone,
  role: users.role,
  referralCode: users.referralCode,
  referralCodeCreatedAt: users.referralCodeCreatedAt,
  referredByCode: users.referredByCode,
  externalId: users.externalId,
  createdAt: users.createdAt,
  phoneVerifiedAt: users.phoneVerifiedAt,
  locale: users.locale,
  notifications: users.notifications,
};

export type UserRow = {
  id: string;
  name: string;
  phone: string | null;
  role: "user" | "admin";
  referralCode: string;
  referralCodeCreatedAt: number;
  referredByCode: string | null;
  externalId: string | null;
  createdAt: number;
  phoneVerifiedAt: number | null;
  locale: Locale;
  notifications: boolean;
};

/**
 * The look-ups of a user by id, phone or external id find only people who are still there:
 * an erased user is gone for every caller (its row stays, anonymized, for the books).
 */
export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  return db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.id, id), isNull(users.erasedAt)))
    .get();
}

export async function findUserByPhone(db: Database, phone: string) {
  return db
    .select({ ...userColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(and(eq(users.phone, phone), isNull(users.erasedAt)))
    .get();
}

export async function findUserByExternalId(
  db: Database,
  externalId: string,
): Promise<UserRow | undefined> {
  return db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.externalId, externalId), isNull(users.erasedAt)))
    .get();
}

/** Which of these users are erased. */
export async function erasedAmong(db: Database, ids: string[]): Promise<Set<string>> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, ids), isNotNull(users.erasedAt)))
    .all();
  return new Set(rows.map((row) => row.id));
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
  phone: string | null;
  passwordHash: string | null;
  role: "user" | "admin";
  referralCode: string;
  referredByUserId: string | null;
  referredByCode: string | null;
  signupIpHash: string | null;
  signupDeviceHash: string | null;
  externalId: string | null;
  createdAt: number;
  locale: Locale;
}

/** The user; a trigger opens their wallet and referral counters in the same statement. */
export function insertUser(db: Database, user: NewUser) {
  return db.insert(users).values({ ...user, referralCodeCreatedAt: user.createdAt });
}

/** A person's own settings: their language and whether they get notification SMS. */
export function setUserPreferences(
  db: Database,
  id: string,
  change: {
    name?: string | undefined;
    locale?: Locale | undefined;
    notifications?: boolean | undefined;
  },
) {
  return db
    .update(users)
    .set({ name: change.name, locale: change.locale, notifications: change.notifications })
    .where(eq(users.id, id));
}

export function setUserRole(db: Database, id: string, role: "user" | "admin") {
  return db.update(users).set({ role }).where(eq(users.id, id));
}

/** Sets what is given of a user's shop id, name and language; an erased user is not changed. */
export function setShopFields(
  db: Database,
  id: string,
  fields: {
    externalId?: string | undefined;
    name?: string | undefined;
    locale?: Locale | undefined;
  },
) {
  return db
    .update(users)
    .set(fields)
    .where(and(eq(users.id, id), isNull(users.erasedAt)))
    .returning(userColumns);
}

export function setPasswordHash(db: Database, id: string, passwordHash: string) {
  return db.update(users).set({ passwordHash }).where(eq(users.id, id));
}

/** Marks the phone verified (keeping the first time) and sets the role it earns. */
export function markPhoneVerified(
  db: Database,
  id: string,
  change: { at: number; role: "user" | "admin" },
) {
  return db
    .update(users)
    .set({
      phoneVerifiedAt: sql`coalesce(${users.phoneVerifiedAt}, ${change.at})`,
      role: change.role,
    })
    .where(eq(users.id, id));
}

export async function referralCountsOf(db: Database, userId: string) {
  return db
    .select({
      total: referralStats.total,
      waiting: sql<number>`${referralStats.pending} + ${referralStats.held}`,
    })
    .from(referralStats)
    .where(eq(referralStats.userId, userId))
    .get();
}
