import { z } from "@hono/zod-openapi";

const iso = z.string().openapi({ format: "date-time" });
const isoOrNull = iso.nullable();

export const ExportSchema = z
  .object({
    exportedAt: iso,
    profile: z.object({
      id: z.string(),
      name: z.string(),
      phone: z.string().nullable(),
      role: z.enum(["user", "admin"]),
      referralCode: z.string(),
      createdAt: iso,
    }),
    referralCodes: z.array(
      z.object({
        code: z.string(),
        kind: z.enum(["code", "legacy"]),
        status: z.enum(["active", "retired"]),
        createdAt: iso,
        retiredAt: isoOrNull,
      }),
    ),
    referredBy: z.object({ code: z.string() }).nullable(),
    referralsMade: z.array(
      z.object({
        id: z.string(),
        name: z.string().openapi({ description: "Masked, as everywhere: Ayesha K." }),
        ordinal: z.number().int(),
        code: z.string(),
        status: z.string(),
        source: z.string(),
        points: z.number().int(),
        createdAt: iso,
        qualifiedAt: isoOrNull,
      }),
    ),
    wallet: z.object({
      balance: z.number().int(),
      lifetimeEarned: z.number().int(),
      lifetimeRedeemed: z.number().int(),
    }),
    transactions: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        points: z.number().int(),
        balanceAfter: z.number().int(),
        description: z.string(),
        expiresAt: isoOrNull,
        createdAt: iso,
      }),
    ),
    redemptions: z.array(
      z.object({
        id: z.string(),
        rewardId: z.string(),
        cost: z.number().int(),
        couponCode: z.string().nullable(),
        createdAt: iso,
      }),
    ),
    invites: z.array(
      z.object({
        id: z.string(),
        channel: z.enum(["email", "sms"]),
        recipient: z.string(),
        message: z.string().nullable(),
        status: z.string(),
        createdAt: iso,
        sentAt: isoOrNull,
        joinedAt: isoOrNull,
      }),
    ),
    unlocks: z.array(z.object({ unlock: z.string(), source: z.string(), grantedAt: iso })),
    sessions: z.array(
      z.object({ id: z.string(), createdAt: iso, lastUsedAt: isoOrNull, revokedAt: isoOrNull }),
    ),
  })
  .openapi("PersonalDataExport");

export const ImportReportSchema = z
  .object({
    created: z.number().int(),
    skipped: z.number().int().openapi({ description: "Phones already here: nothing written" }),
    failed: z.array(
      z.object({ index: z.number().int(), phone: z.string().nullable(), reason: z.string() }),
    ),
    referralsLinked: z.number().int(),
    pointsImported: z.number().int(),
  })
  .openapi("ImportReport");
