/**
 * The user documents of the Express/MongoDB backend this API replaces, as
 * `mongoexport --jsonArray` writes them, and what each one becomes here. Pure: each
 * document is checked alone, so that a bad one is reported and the rest go in.
 */
import { z } from "zod";
import { canonicalReferralCode } from "../lib/ids";
import { NameSchema } from "../lib/names";
import { checkNewPhone } from "../lib/phone";

/** A request carries at most this many documents; the CLI sends files in such chunks. */
export const MAX_IMPORT_DOCUMENTS = 1000;

const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, "must be a 24-digit hex ObjectId");
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

/**
 * The costs a login can afford to verify: bcryptjs throws below 4 or above 31 (a 500 at
 * login), and each step doubles the time (at 16 one wrong login took 6.9 s).
 */
const BCRYPT_COSTS = { min: 4, max: 15 };

const bcryptHash = z
  .string()
  .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, "must be a bcrypt hash ($2a$, $2b$ or $2y$)")
  .refine((hash) => {
    const cost = Number(hash.slice(4, 6));
    return cost >= BCRYPT_COSTS.min && cost <= BCRYPT_COSTS.max;
  }, `must be a bcrypt hash of cost ${BCRYPT_COSTS.min} to ${BCRYPT_COSTS.max}`);

/**
 * One user document of the old backend. Exported for the OpenAPI document, which describes
 * each field; the route itself takes any array, so that a bad document fails alone.
 */
export const LegacyUserSchema = z
  .object({
    _id: legacyId.describe(
      "The old user's ObjectId ({ $oid } or a string); becomes the participant's externalId",
    ),
    name: NameSchema.describe(
      "Checked and normalized as at signup (control and invisible characters removed; needs a letter; no web or e-mail address), at most 100 characters",
    ),
    phone: z
      .string()
      .min(1)
      .max(32)
      .describe(
        "Any spelling (national ones with ?defaultCountry); stored in E.164. Invalid phones and phones that cannot receive an SMS or cost premium rates fail the document",
      ),
    password: bcryptHash.describe(
      "The old bcrypt hash ($2a$, $2b$ or $2y$) of cost 4 to 15, kept as it is: users sign in with their old passwords",
    ),
    status: z.enum(["user", "admin"]).default("user").describe("The role; default user"),
    referralCode: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,21}$/, "must be a code of letters, digits, _ and -")
      .optional()
      .describe(
        "The old referral code: keeps working exactly as issued, beside a new code of ours",
      ),
    referredBy: legacyId
      .nullish()
      .describe(
        "The referrer's _id: becomes a qualified referral without new points when the referrer is imported in the same request or an earlier one",
      ),
    referralCount: legacyCount
      .default(0)
      .describe(
        "Referrals the old backend counted: the next referral pays the tier after this many",
      ),
    rewards: legacyCount
      .default(0)
      .describe("Points: become one opening import entry of the wallet"),
    createdAt: legacyDate
      .optional()
      .describe("The signup time ({ $date } or an ISO string); a future one is taken as now"),
  })
  .describe("A user document as mongoexport --jsonArray writes it; other fields are ignored");

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
 * Checks one document and turns it into a LegacyUser: the name and the phone checked and
 * normalized as at signup, the hash kept as it is (bcryptjs verifies $2a$, $2b$ and $2y$
 * alike) if its cost is one a login can afford.
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
  const checked = checkNewPhone(doc.phone, defaultCountry);
  if (checked.status === "invalid") {
    return { ok: false, phone: doc.phone, reason: "phone: not a valid phone number" };
  }
  if (checked.status === "no_sms") {
    return {
      ok: false,
      phone: checked.phone,
      reason: `phone: ${checked.refusal}, which cannot receive our SMS (unsupported_phone)`,
    };
  }
  const { phone } = checked;
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

/**
 * The documents in an order that writes each referrer of the same request before the people
 * it referred (a file need not be in signup order), otherwise as given. In a cycle of
 * `referredBy`, the document that would close it comes first, so it goes in without its
 * referrer: a referral is written only to someone already written.
 *
 * @example referrersFirst([referee, referrer]) // [referrer, referee]
 */
export function referrersFirst<T extends { index: number; user: LegacyUser }>(
  candidates: readonly T[],
): T[] {
  const byLegacyId = new Map<string, T>();
  for (const candidate of candidates) {
    if (!byLegacyId.has(candidate.user.legacyId))
      byLegacyId.set(candidate.user.legacyId, candidate);
  }
  const placed = new Set<number>();
  const ordered: T[] = [];
  for (const start of candidates) {
    // Up the chain of referrers not yet placed, then placed from the top down.
    const chain: T[] = [];
    const inChain = new Set<number>();
    let current: T | undefined = start;
    while (current && !placed.has(current.index) && !inChain.has(current.index)) {
      chain.push(current);
      inChain.add(current.index);
      const referrer: string | null = current.user.referredByLegacyId;
      current = referrer === null ? undefined : byLegacyId.get(referrer);
    }
    for (const candidate of chain.reverse()) {
      placed.add(candidate.index);
      ordered.push(candidate);
    }
  }
  return ordered;
}
