import { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import { LocaleSchema } from "../i18n/schemas";
import { toIso } from "../lib/time";
import type { UserRow } from "./store";

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "usr_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    name: z.string().openapi({ example: "Ayesha Khan" }),
    phone: z.string().nullable().openapi({
      example: "+923001234567",
      description: "Null only for a participant created by a back end without a phone.",
    }),
    role: z.enum(["user", "admin"]),
    referralCode: z.string().openapi({ example: "K7QM2XRP" }),
    referralLink: z.string().openapi({ example: "https://api.example.com/r/K7QM2XRP" }),
    referredBy: z.string().nullable().openapi({ example: "ZX8P4K2M" }),
    phoneVerified: z
      .boolean()
      .openapi({ description: "Whether the user proved they hold the phone (a one-time code)." }),
    externalId: z.string().optional().openapi({
      example: "cust_8812",
      description: "The shop's own id; only on participants created with POST /v1/users.",
    }),
    locale: LocaleSchema.openapi({ description: "The language of every message to the user." }),
    notifications: z
      .boolean()
      .openapi({ description: "Whether the user gets notification SMS (codes always come)." }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User");

export type User = z.infer<typeof UserSchema>;

export function toUser(row: UserRow, config: Config): User {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    role: row.role,
    referralCode: row.referralCode,
    referralLink: `${config.publicBaseUrl}/r/${row.referralCode}`,
    referredBy: row.referredByCode,
    phoneVerified: row.phoneVerifiedAt !== null,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
    locale: row.locale,
    notifications: row.notifications,
    createdAt: toIso(row.createdAt),
  };
}

export const PhoneSchema = z
  .string()
  .trim()
  .min(3)
  .max(32)
  .openapi({ example: "+923001234567", description: "Any spelling; stored in E.164." });
