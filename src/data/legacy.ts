/**
 * The user documents of the Express/MongoDB backend this API replaces, as
 * `mongoexport --jsonArray` writes them, and what each one becomes here. Pure: each
 * document is checked alone, so that a bad one is reported and the rest go in.
 */
import { z } from "zod";
import { canonicalReferralCode } from "../lib/ids";
import { normalizePhone } from "../lib/phone";

/** A request carries at most this many documents; the CLI sends files in such chunks. */
export const MAX_IMPORT_DOCUMENTS = 1000;

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, "must be a 24-digit hex ObjectId");
/** mongoexport writes ids as { $oid }, hand-made exports as plain strings. */
const legacyId = z.union([objectId, z.object({ $oid: objectId }).transform((id) => id.$oid)]);
/** Canonical mode { $date: "…" } or relaxed { $date: { $numberLong } }, or a plain date. */
const legacyDate = z
  .union([
    z.object({ $date: z.union([z.string(), z.number(), z.object({ $numberLong: z.string() })]) }),
    z.string(),
  ])
  .transform((value, ctx) => {
    const raw = typeof value === "string" ? value : value.$date;
    const millis =
      typeof raw === "object"
        ? Number(raw.$numberLong)
        : new Date(raw as string | number).getTime();
    if (!Number.isFinite(millis)) {
      ctx.addIssue({ code: "custom", message: "must be a date" });
      return z.NEVER;
    }
    return millis;
  });
/** Numbers may come as { $numberInt } / { $numberLong } from a canonical-mode export. */
const legacyCount = z
  .union([
    z.number(),
    z.object({ $numberInt: z.string() }).transform((n) => Number(n.$numberInt)),
    z.object({ $numberLong: z.string() }).transform((n) => Number(n.$numberLong)),
  ])
  .pipe(z.number().int().min(0).max(1_000_000_000));

const LegacyUserSchema = z.object({
  _id: legacyId,
  name: z.string().trim().min(1).max(80),
  phone: z.string().min(1).max(32),
  password: z
    .string()
    .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, "must be a bcrypt hash ($2a$, $2b$ or $2y$)"),
  status: z.enum(["user", "admin"]).default("user"),
  referralCode: z
    .string()
    .regex(/^[A-Za-z0-9_-]{4,21}$/, "must be a code of letters, digits, _ and -")
    .optional(),
  referredBy: legacyId.nullish(),
  referralCount: legacyCount.default(0),
  rewards: legacyCount.default(0),
  createdAt: legacyDate.optional(),
});

/** One document, checked: what the import writes for it. */
export interface LegacyUser {
  legacyId: string;
  name: string;
  phone: string;
  passwordHash: string;
  role: "user" | "admin";
  /** The old code exactly as issued; it becomes a `legacy` alias in referral_codes. */
  legacyCode: string | null;
  referredByLegacyId: string | null;
  referralCount: number;
  points: number;
  createdAt: number;
}

export type ParsedDocument =
  | { ok: true; user: LegacyUser }
  | { ok: false; phone: string | null; reason: string };

function phoneOf(document: unknown): string | null {
  const phone = (document as { phone?: unknown } | null)?.phone;
  return typeof phone === "string" ? phone : null;
}

/**
 * Checks one document and turns it into a LegacyUser: the phone normalized as at signup,
 * the hash kept as it is (bcryptjs verifies $2a$, $2b$ and $2y$ alike).
 *
 * @example parseLegacyUser({ _id: { $oid: "…" }, phone: "0300 1234567", … }, "PK", now)
 */
export function parseLegacyUser(
  document: unknown,
  defaultCountry: string | undefined,
  now: number,
): ParsedDocument {
  const parsed = LegacyUserSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join(".") || "document";
    return { ok: false, phone: phoneOf(document), reason: `${path}: ${issue?.message}` };
  }
  const doc = parsed.data;
  const phone = normalizePhone(doc.phone, defaultCountry);
  if (!phone) return { ok: false, phone: doc.phone, reason: "phone: not a valid phone number" };
  if (doc.referredBy === doc._id) {
    return { ok: false, phone, reason: "referredBy: a user cannot refer themselves" };
  }
  return {
    ok: true,
    user: {
      legacyId: doc._id.toLowerCase(),
      name: doc.name,
      phone,
      passwordHash: doc.password,
      role: doc.status,
      legacyCode: doc.referralCode ?? null,
      referredByLegacyId: doc.referredBy?.toLowerCase() ?? null,
      referralCount: doc.referralCount,
      points: doc.rewards,
      createdAt: Math.min(doc.createdAt ?? now, now),
    },
  };
}

/**
 * Documents of one request that repeat a phone or an old code already seen earlier in it:
 * the first one goes in, the others are reported (by index) — the database would refuse
 * them anyway, but only after their batch.
 */
export function duplicatesWithin(users: readonly { index: number; user: LegacyUser }[]) {
  const phones = new Set<string>();
  const codes = new Set<string>();
  const duplicates = new Map<number, string>();
  for (const { index, user } of users) {
    const code = user.legacyCode === null ? null : canonicalReferralCode(user.legacyCode);
    if (phones.has(user.phone)) duplicates.set(index, "phone: repeats an earlier document");
    else if (code !== null && codes.has(code)) {
      duplicates.set(
        index,
        "referralCode: repeats an earlier document's code (case-insensitively)",
      );
    } else {
      phones.add(user.phone);
      if (code !== null) codes.add(code);
    }
  }
  return duplicates;
}
