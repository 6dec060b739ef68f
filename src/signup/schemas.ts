import { z } from "@hono/zod-openapi";
import { SOURCE_PATTERN } from "../links/attribution";

/** Where a signup came from (the landing URL's `src`), checked like a link's `src`. */
export const SignupSourceSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(SOURCE_PATTERN, "must be 1-32 of a-z, 0-9, _ and -")
  .openapi({
    example: "whatsapp",
    description:
      "The `src` of the landing URL, for a page that passes the code itself; the `ref_src` cookie wins when both exist.",
  });
