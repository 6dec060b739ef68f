import type { Context } from "hono";
import type { App } from "../app";
import type { Config } from "../config";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";

/** The built pages (dist/web, by `npm run web:build`), served through the Worker for their headers. */
const pages = {
  portal: "/portal.html",
  admin: "/admin.html",
  docs: "/docs.html",
} as const;

type Page = keyof typeof pages;

/** Where the Turnstile widget's script and frame come from (Cloudflare's CSP reference). */
const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/** Whether the page shows the Turnstile widget: the portal, when a site key is set. */
function showsChallenge(page: Page, config: { turnstile?: Pick<Config["turnstile"], "siteKey"> }) {
  return page === "portal" && Boolean(config.turnstile?.siteKey);
}

/**
 * A strict policy: only our own hashed bundles run (no inline script or style), the pages talk
 * to this origin only, and only the configured sites may frame the portal (the admin console
 * is never framed). With TURNSTILE_SITE_KEY the portal also runs Cloudflare's widget, and
 * only then.
 */
export function pageSecurityPolicy(
  page: Page,
  config: Pick<Config, "portalFrameAncestors"> & {
    turnstile?: Pick<Config["turnstile"], "siteKey">;
  },
) {
  const frameAncestors = page === "portal" ? config.portalFrameAncestors.join(" ") : "'none'";
  const challenge = showsChallenge(page, config);
  return [
    "default-src 'none'",
    challenge ? `script-src 'self' ${TURNSTILE_ORIGIN}` : "script-src 'self'",
    ...(challenge ? [`frame-src ${TURNSTILE_ORIGIN}`] : []),
    // The API reference (Scalar, a pinned copy of ours) sets its theme with inline styles.
    page === "docs" ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

/**
 * The portal learns the site key from a meta tag (the page is built once, the key is a
 * setting): the key is a public value, checked to be [A-Za-z0-9_-] by the config.
 */
function withSiteKey(response: Response, siteKey: string): Response {
  return new HTMLRewriter()
    .on("head", {
      element(head) {
        head.append(`<meta name="turnstile-site-key" content="${siteKey}" />`, { html: true });
      },
    })
    .transform(response);
}

async function servePage(c: Context<AppEnv>, page: Page) {
  const asset = await c.env.ASSETS.fetch(new URL(pages[page], c.req.url));
  if (!asset.ok) {
    // Only a deployment without `npm run web:build` gets here.
    throw new ApiError("not_found", `The ${page} page is not built.`);
  }
  const siteKey = c.var.config.turnstile.siteKey;
  const response = showsChallenge(page, c.var.config)
    ? withSiteKey(new Response(asset.body, { status: 200 }), siteKey ?? "")
    : new Response(asset.body, { status: 200 });
  response.headers.set("Content-Type", "text/html; charset=utf-8");
  response.headers.set("Cache-Control", "no-cache");
  response.headers.set("Content-Security-Policy", pageSecurityPolicy(page, c.var.config));
  // Tokens live in the fragment and in storage, never in a Referer sent elsewhere.
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}

/**
 * The participant portal, the admin console and the API reference: static pages that are
 * clients of the public API.
 */
export function registerWebRoutes(app: App) {
  app.get("/portal", (c) => servePage(c, "portal"));
  app.get("/admin", (c) => servePage(c, "admin"));
  app.get("/docs", (c) => servePage(c, "docs"));
}
