import { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import { toUser, UserSchema } from "../users/schemas";
import type { AdminUserRow } from "./admin-store";

export const AdminUserSchema = UserSchema.extend({
  phone: z.string().nullable().openapi({
    example: "+923001234567",
    description: "In full, for an admin helping the person; null once erased (or never given).",
  }),
  erased: z
    .boolean()
    .openapi({ description: "Erased: the row stays for the books, without personal data." }),
  balance: z.number().int().openapi({ description: "Points the user can spend now." }),
  referrals: z.object({
    total: z.number().int(),
    qualified: z.number().int(),
  }),
}).openapi("AdminUser");

export type AdminUser = z.infer<typeof AdminUserSchema>;

export function toAdminUser(row: AdminUserRow, config: Config): AdminUser {
  const erased = row.erasedAt !== null;
  return {
    ...toUser(row, config),
    // An erased row's phone column holds a tombstone, not a number.
    phone: erased ? null : row.phone,
    erased,
    balance: row.balance,
    referrals: { total: row.referralsTotal, qualified: row.referralsQualified },
  };
}
