import { z } from "@hono/zod-openapi";
import { locales } from "./locales";

/** A locale in a request: one of the supported ones, else 400 validation_error. */
export const LocaleSchema = z
  .enum(locales, { error: () => `must be one of ${locales.join(", ")}` })
  .openapi({ example: "ur", description: "en, ur (right to left) or hi." });

/** Labels an admin gives a milestone, badge or reward, one per language (all optional). */
export const LabelsSchema = z
  .object({
    en: z.string().trim().min(1).max(80).optional(),
    ur: z.string().trim().min(1).max(80).optional(),
    hi: z.string().trim().min(1).max(80).optional(),
  })
  .strict();
export type Labels = z.infer<typeof LabelsSchema>;
