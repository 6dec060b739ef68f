import type { Config } from "../config";

/**
 * The role a user holds: the phones in ADMIN_PHONES are admins. In production and staging
 * only once the phone is verified, so that whoever registers such a number first does not
 * become admin by typing it; in development and tests at once, as a convenience.
 */
export function roleFor(
  user: { phone: string | null; role: "user" | "admin"; phoneVerifiedAt: number | null },
  config: Pick<Config, "adminPhones" | "environment">,
): "user" | "admin" {
  const trusted =
    user.phoneVerifiedAt !== null ||
    config.environment === "development" ||
    config.environment === "test";
  return trusted && user.phone !== null && config.adminPhones.includes(user.phone)
    ? "admin"
    : user.role;
}
