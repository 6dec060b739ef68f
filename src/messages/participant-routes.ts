import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonResponse } from "../http/openapi";
import { LocaleSchema } from "../i18n/schemas";
import { depsOf } from "../platform/deps";
import { myShareText } from "./service";

const getShareText = createRoute({
  method: "get",
  path: "/v1/me/share",
  operationId: "getMyShareText",
  tags: ["Referrals"],
  summary: "The text to share my link with (WhatsApp, SMS), in my language",
  ...signedIn,
  responses: {
    200: jsonResponse(
      z
        .object({
          locale: LocaleSchema,
          text: z.string().openapi({
            example: "Join me and get a welcome bonus: https://api.example.com/r/K7QM2XRP",
            description: "The `share_text` message (as admins worded it), with my link filled in.",
          }),
          link: z.string().openapi({ example: "https://api.example.com/r/K7QM2XRP" }),
        })
        .openapi("ShareText"),
      "The share text",
    ),
    ...errorResponses("unauthorized"),
  },
});

export function registerMessageRoutes(app: App) {
  app.openapi(getShareText, async (c) =>
    c.json(await myShareText(depsOf(c), c.var.auth.userId), 200),
  );
}
