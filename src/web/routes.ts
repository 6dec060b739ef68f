import type { Context } from "hono";
import type { App } from "../app";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** The built pages (dist/web, by `npm run web:build`), served through the Worker for their headers. */
const pages = {
  portal: "/portal.html",
  admin: "/admin.html",
  docs: "/docs.html",
} as const;

type Page = keyof typeof pages;

/**
 * A strict policy: only our own hashed bundles run (no inline script or style), the pages talk
 * to this origin only, and only the configured sites may frame the portal (the admin console
 * is never framed).
 */
export function pageSecurityPolicy(page: Page, config: Pick<Config, "portalFrameAncestors">) {
  const frameAncestors = page === "portal" ? config.portalFrameAncestors.join(" ") : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    // The API reference (Scalar, a pinned copy of ours) sets its theme with inline styles.
    page === "docs" ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

async function servePage(c: Context<AppEnv>, page: Page) {
  const asset = await c.env.ASSETS.fetch(new URL(pages[page], c.req.url));
  if (!asset.ok) {
    // Only a deployment without `npm run web:build` gets here.
    throw new ApiError("not_found", `The ${page} page is not built.`);
  }
  const response = new Response(asset.body, { status: 200 });
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
