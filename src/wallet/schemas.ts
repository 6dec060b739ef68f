import { z } from "@hono/zod-openapi";
import { toIso } from "../lib/time";
import type { PointSpend } from "./spends";

/** Points spent on an order, as the spend and checkout routes show them. */
export const SpendSchema = z
  .object({
    id: z.string().openapi({ example: "spd_01m8c1c345vamqbqqn5j5hny" }),
    userId: z.string(),
    points: z.number().int(),
    orderId: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PointSpend");

export function toSpend(spend: PointSpend) {
  return { ...spend, createdAt: toIso(spend.createdAt) };
}
