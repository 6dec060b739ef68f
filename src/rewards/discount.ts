/**
 * What a coupon is worth at the shop's checkout, as the catalog says it: a percentage off,
 * an amount off in a currency, or a product for free. The shop's checkout applies it; this
 * API only carries it with every coupon (check, use, release, redemption, webhooks).
 */
import { z } from "@hono/zod-openapi";
import type { Discount } from "../db/schema";
import { fitsMinorUnit, isCurrency } from "../lib/currencies";
import { idFromOutside } from "../lib/ids";

export const DiscountSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("percent"),
      percent: z.number().gt(0).max(100).openapi({ example: 10 }),
    }),
    z
      .object({
        type: z.literal("amount"),
        amount: z
          .number()
          .gt(0)
          .max(1_000_000_000)
          .openapi({ description: "In the currency's units (5.99 USD), to its minor unit." }),
        currency: z
          .string()
          .refine(isCurrency, "must be an ISO 4217 currency code such as PKR or USD")
          .openapi({ example: "PKR" }),
      })
      .refine((discount) => fitsMinorUnit(discount.amount, discount.currency), {
        message: "has more decimals than the currency's minor unit",
        path: ["amount"],
      }),
    z.object({
      type: z.literal("product"),
      sku: idFromOutside(z.string().trim().min(1).max(64)).openapi({ example: "free-product" }),
    }),
  ])
  .nullable()
  .openapi("Discount", {
    description:
      "What the coupon is worth at checkout: a percentage off, an amount off, or a product; null when the catalog does not say.",
  });

/**
 * Why a reward cannot carry this discount, or null when it can: only coupons are worth
 * something at a checkout (an unlock is an entitlement, not a price).
 *
 * @example discountProblem("unlock", { type: "percent", percent: 10 }) // "only a coupon …"
 */
export function discountProblem(
  kind: "coupon" | "unlock",
  discount: Discount | null | undefined,
): string | null {
  return kind === "unlock" && discount ? "only a coupon reward has a discount" : null;
}
