import { z } from "@hono/zod-openapi";

/** The device a client names for fraud checks (register, invites). */
export const DeviceHeaderSchema = z.object({
  "x-device-id": z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "A client device fingerprint; feeds fraud checks." }),
});

/** A path's `{id}`: any id we issued fits; anything longer is refused unread. */
export const IdParamSchema = z.object({ id: z.string().min(1).max(64) });
