import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { App } from "../app";
import { ApiError, errorResponses } from "../errors";
import type { AppEnv } from "../http/context";
import { jsonResponse } from "../http/openapi";
import { clientIp } from "../http/request";
import { resolveLocale } from "../i18n/resolve";
import { DAY_MS } from "../lib/time";
import { depsOf } from "../platform/deps";
import { ATTRIBUTION_DAYS, attributionCookies, inviteIdOrNull, linkSource } from "./attribution";
import { queueClick } from "./click-queue";
import { appleAppSiteAssociation, assetLinks, installPage, installPagePolicy } from "./pages";
import { PREVIEW_CACHE_SECONDS, previewCacheKey, renderLinkPreview } from "./preview";
import { referralsScript, scriptDays } from "./referrals-script";
import {
  appStoreUrl,
  isAutomatedVisit,
  playStoreUrl,
  redirectLocation,
  visitorKind,
} from "./rules";
import { AppleAppSiteAssociationSchema, AssetLinksSchema } from "./schemas";
import { clickMessage, type LinkTarget, resolveLinkCode } from "./service";
import { type LinkSettingsInForce, linkSettingsInForce } from "./settings";

const inviteLinkRoute = createRoute({
  method: "get",
  path: "/r/{code}",
  operationId: "followInviteLink",
  security: [],
  tags: ["Referrals"],
  summary:
    "The invite link: to the app's store or install page, or to signup; the attribution cookie and the click",
  description:
    "By user agent: Android (with android link settings) → 302 to the Play Store with the Install Referrer `ref=CODE&src=SRC`; iPhone/iPad (with ios settings) → 200 install page in the visitor's language; a link-preview crawler (WhatsApp, facebookexternalhit, Twitterbot, TelegramBot, Slackbot, LinkedInBot, Discordbot) → 200 Open Graph page, cached at the edge per code and language, no click; anyone else → 302 to SIGNUP_URL. Clicks are counted once per visitor (IP hash), code and UTC day, and stored through a queue after the response: stats and analytics show them within a few seconds.",
  request: {
    params: z.object({ code: z.string().max(64).openapi({ example: "K7QM2XRP" }) }),
    query: z.object({
      src: z.string().max(64).optional().openapi({ example: "whatsapp" }),
      inv: z.string().max(64).optional().openapi({ description: "The email/SMS invite's id." }),
      lang: z.string().max(16).optional().openapi({
        example: "ur",
        description: "The install page's language (iPhone/iPad); else Accept-Language.",
      }),
    }),
  },
  responses: {
    200: {
      description:
        "The install page (iPhone/iPad, with ios settings) or the link preview (crawlers): HTML",
      content: { "text/html": { schema: { type: "string" } } },
    },
    302: {
      description:
        "To the Play Store (Android, with android settings) or SIGNUP_URL?ref=CODE(&src=…) with a `ref` cookie; without the code for an unknown or expired code",
      headers: {
        Location: {
          description:
            "The store or the signup page, with the code and source when the code is live.",
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

const assetLinksRoute = createRoute({
  method: "get",
  path: "/.well-known/assetlinks.json",
  operationId: "getAssetLinks",
  security: [],
  tags: ["Referrals"],
  summary: "Digital Asset Links for the Android app (App Links open /r/… in the app)",
  responses: {
    200: jsonResponse(AssetLinksSchema, "The statement list for the android link settings"),
    ...errorResponses("not_found"),
  },
});

const appleAssociationRoute = createRoute({
  method: "get",
  path: "/.well-known/apple-app-site-association",
  operationId: "getAppleAppSiteAssociation",
  security: [],
  tags: ["Referrals"],
  summary: "The apple-app-site-association file for the iOS app (Universal Links for /r/*)",
  responses: {
    200: jsonResponse(AppleAppSiteAssociationSchema, "Universal Links for the ios link settings"),
    ...errorResponses("not_found"),
  },
});

const referralsScriptRoute = createRoute({
  method: "get",
  path: "/referrals.js",
  operationId: "getReferralsScript",
  security: [],
  tags: ["Referrals"],
  summary: "First-party attribution script for a shop's own pages (≤ 3 KB gzip)",
  description: `Keeps ?ref= and ?src= in a first-party cookie of the page's site for the attribution window (${ATTRIBUTION_DAYS} days, or fewer with ?days=), exposes window.Referrals.code() and .source(), fills <input name="referralCode">.`,
  request: {
    query: z.object({
      days: z
        .string()
        .max(8)
        .optional()
        .openapi({
          example: "7",
          description: `A shorter attribution window, 1 to ${ATTRIBUTION_DAYS} days.`,
        }),
    }),
  },
  responses: {
    200: {
      description: "The script",
      content: { "text/javascript": { schema: { type: "string" } } },
    },
    ...errorResponses(),
  },
});

/** Well-known files are fetched by Apple's CDN and Google's verifier, not per click. */
const WELL_KNOWN_CACHE = "public, max-age=300";
const SCRIPT_CACHE = "public, max-age=3600, stale-while-revalidate=86400";

const attributionCookie = {
  path: "/",
  secure: true,
  httpOnly: true,
  sameSite: "Lax",
  maxAge: (ATTRIBUTION_DAYS * DAY_MS) / 1000,
} as const;

/**
 * A crawler's preview of a live code, from the edge cache when it has it: a crawler storm
 * on a shared link costs D1 nothing after the first fetch per code and language.
 */
async function servePreview(c: Context<AppEnv>, target: LinkTarget, settings: LinkSettingsInForce) {
  const acceptLanguage = c.req.header("Accept-Language");
  const key = previewCacheKey(
    new URL(c.req.url).origin,
    target.code,
    acceptLanguage,
    settings.version,
  );
  const cache = caches.default;
  let response = await cache.match(key);
  if (!response) {
    const html = await renderLinkPreview(c.var.db, {
      target,
      acceptLanguage,
      settings,
      publicBaseUrl: c.var.config.publicBaseUrl,
    });
    response = new Response(html, {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": `public, max-age=${PREVIEW_CACHE_SECONDS}`,
      },
    });
    c.executionCtx.waitUntil(cache.put(key, response.clone()));
  }
  const served = new Response(response.body, response);
  // The same URL answers people with a redirect: a shared cache must keep them apart.
  served.headers.set("Vary", "Accept-Language, User-Agent");
  served.headers.set("Content-Security-Policy", "default-src 'none'");
  return served;
}

export function registerLinkRoutes(app: App) {
  app.openapi(inviteLinkRoute, async (c) => {
    const { code } = c.req.valid("param");
    const query = c.req.valid("query");
    const config = c.var.config;
    const deps = depsOf(c);
    const { now } = c.var;
    const userAgent = c.req.header("User-Agent");
    // Both from the isolate's memory or KV: no D1 read on a busy link.
    const [found, settings] = await Promise.all([
      resolveLinkCode(deps, code, now),
      linkSettingsInForce(deps, now),
    ]);
    const target = found && (found.expiresAt === null || found.expiresAt > now) ? found : null;
    const visitor = visitorKind(userAgent);
    if (visitor === "preview" && target) return servePreview(c, target, settings);

    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    const source = linkSource(query.src);
    const { android, ios } = settings.settings;
    if (target) {
      const inviteId = inviteIdOrNull(query.inv);
      setCookie(c, attributionCookies.code, target.code, attributionCookie);
      setCookie(c, attributionCookies.source, source, attributionCookie);
      if (inviteId) setCookie(c, attributionCookies.invite, inviteId, attributionCookie);
      const automated = isAutomatedVisit({
        userAgent,
        purpose: c.req.header("Purpose"),
        secPurpose: c.req.header("Sec-Purpose"),
        xMoz: c.req.header("X-Moz"),
      });
      if (!automated) {
        // Off the response path, and no D1 write per click: the queue's consumer stores
        // clicks in batches (src/links/consumer.ts).
        const ip = clientIp(c.req.header("CF-Connecting-IP"));
        deps.defer(
          clickMessage(config.ipHashSalt, { target, source, inviteId, ip, now })
            .then((message) => queueClick(c.env.CLICKS, message))
            .catch((error) => console.error("click not queued", error)),
        );
      }
    }

    const webUrl = redirectLocation(
      config.signupUrl,
      target?.code ?? null,
      target && query.src ? source : null,
    );
    if (visitor === "android" && android) {
      const referral = target ? { code: target.code, source } : null;
      return c.redirect(playStoreUrl(android.packageName, referral), 302);
    }
    if (visitor === "ios" && ios) {
      const nonce = crypto.randomUUID().replaceAll("-", "");
      c.header("Content-Security-Policy", installPagePolicy(nonce));
      const html = installPage({
        locale: resolveLocale({
          explicit: query.lang,
          acceptLanguage: c.req.header("Accept-Language"),
        }),
        nonce,
        code: target?.code ?? null,
        referrerName: target?.name ?? null,
        appStoreUrl: appStoreUrl(ios.appStoreId),
        webUrl,
      });
      return c.html(html, 200);
    }
    return c.redirect(webUrl, 302);
  });

  app.openapi(assetLinksRoute, async (c) => {
    const { settings } = await wellKnownSettings(c);
    if (!settings.android) throw new ApiError("not_found", "No Android app is set.");
    return c.json(assetLinks(settings.android), 200, { "Cache-Control": WELL_KNOWN_CACHE });
  });

  app.openapi(appleAssociationRoute, async (c) => {
    const { settings } = await wellKnownSettings(c);
    if (!settings.ios) throw new ApiError("not_found", "No iOS app is set.");
    return c.json(appleAppSiteAssociation(settings.ios), 200, {
      "Cache-Control": WELL_KNOWN_CACHE,
    });
  });

  app.openapi(referralsScriptRoute, (c) => {
    const days = scriptDays(c.req.valid("query").days, ATTRIBUTION_DAYS);
    return c.body(referralsScript(days), 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": SCRIPT_CACHE,
      // For <script src> on the shop's own origin (secure headers default to same-origin).
      "Cross-Origin-Resource-Policy": "cross-origin",
    });
  });
}

function wellKnownSettings(c: Context<AppEnv>) {
  return linkSettingsInForce(depsOf(c), c.var.now);
}
