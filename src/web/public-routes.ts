import type { Context } from "hono";
import type { App } from "../app";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";
import { type Page, pageSecurityPolicy, pages, showsChallenge } from "./rules";

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
