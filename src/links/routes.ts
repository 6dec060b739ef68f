import { createRoute, z } from "@hono/zod-openapi";
import { setCookie } from "hono/cookie";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { clientIp } from "../http/auth";
import { DAY_MS } from "../lib/time";
import { attributionCookies, inviteIdOrNull, linkSource } from "../referrals/attribution";
import { queueClick } from "./click-queue";
import { isAutomatedVisit, redirectLocation } from "./rules";
import { clickMessage, resolveLinkCode } from "./service";

const ATTRIBUTION_DAYS = 30;

const inviteLinkRoute = createRoute({
  method: "get",
  path: "/r/{code}",
  operationId: "followInviteLink",
  security: [],
  tags: ["Referrals"],
  summary: "The invite link: redirect to signup, set the attribution cookie, count the click",
  description:
    "Clicks are counted once per visitor (IP hash), code and UTC day, and stored through a queue after the redirect: stats and analytics show them within a few seconds.",
  request: {
    params: z.object({ code: z.string().max(64).openapi({ example: "K7QM2XRP" }) }),
    query: z.object({
      src: z.string().max(64).optional().openapi({ example: "whatsapp" }),
      inv: z.string().max(64).optional().openapi({ description: "The email/SMS invite's id." }),
    }),
  },
  responses: {
    302: {
      description:
        "To SIGNUP_URL?ref=CODE(&src=…) with a `ref` cookie; to SIGNUP_URL alone for an unknown or expired code",
      headers: {
        Location: {
          description: "The signup page, with the code and source when the code is live.",
          schema: { type: "string", format: "uri" },
        },
        "Set-Cookie": {
          description: `The attribution cookies (${Object.values(attributionCookies).join(", ")}), for ${ATTRIBUTION_DAYS} days; none for an unknown or expired code.`,
          schema: { type: "string" },
        },
      },
    },
    ...errorResponses(),
  },
});

export function registerLinkRoutes(app: App) {
  app.openapi(inviteLinkRoute, async (c) => {
    const { code } = c.req.valid("param");
    const query = c.req.valid("query");
    const config = c.var.config;
    const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    const now = Date.now();
    const target = await resolveLinkCode(c.env.KV, c.var.db, code, defer);
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    if (!target || (target.expiresAt !== null && target.expiresAt <= now)) {
      return c.redirect(config.signupUrl, 302);
    }

    const source = linkSource(query.src);
    const inviteId = inviteIdOrNull(query.inv);
    const cookie = {
      path: "/",
      secure: true,
      httpOnly: true,
      sameSite: "Lax",
      maxAge: (ATTRIBUTION_DAYS * DAY_MS) / 1000,
    } as const;
    setCookie(c, attributionCookies.code, target.code, cookie);
    setCookie(c, attributionCookies.source, source, cookie);
    if (inviteId) setCookie(c, attributionCookies.invite, inviteId, cookie);

    const automated = isAutomatedVisit({
      userAgent: c.req.header("User-Agent"),
      purpose: c.req.header("Purpose"),
      secPurpose: c.req.header("Sec-Purpose"),
      xMoz: c.req.header("X-Moz"),
    });
    if (!automated) {
      // Off the response path, and no D1 write per click: the queue's consumer stores
      // clicks in batches (src/links/consumer.ts).
      const ip = clientIp(c.req.header("CF-Connecting-IP"));
      defer(
        clickMessage(config.ipHashSalt, { target, source, inviteId, ip, now })
          .then((message) => queueClick(c.env.CLICKS, message))
          .catch((error) => console.error("click not queued", error)),
      );
    }
    return c.redirect(
      redirectLocation(config.signupUrl, target.code, query.src ? source : null),
      302,
    );
  });
}
