import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import worker from "../src/index";
import { pageSecurityPolicy } from "../src/web/rules";
import { BASE, call } from "./harness";

/** A page served by the Worker with `TURNSTILE_SITE_KEY` set (Cloudflare's always-pass test key). */
async function pageWithSiteKey(path: string) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`),
    { ...env, TURNSTILE_SITE_KEY: "1x00000000000000000000AA" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

// These read the built pages (dist/web): scripts/test.sh runs `npm run web:build` first.
describe("the web pages", () => {
  it("serves the portal with a strict policy that the configured sites may frame", async () => {
    const response = await call("GET", "/portal");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const policy = response.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'self'");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toContain("challenges.cloudflare.com");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html).not.toContain("turnstile-site-key");
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    // No inline script anywhere: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
  });

  it("with TURNSTILE_SITE_KEY, the portal names the key and lets only Cloudflare's widget in", async () => {
    const portal = await pageWithSiteKey("/portal");
    const policy = portal.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("script-src 'self' https://challenges.cloudflare.com;");
    expect(policy).toContain("frame-src https://challenges.cloudflare.com;");
    expect(policy).toContain("connect-src 'self';");
    const html = await portal.text();
    expect(html).toContain('<meta name="turnstile-site-key" content="1x00000000000000000000AA" />');
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    // The console asks for no challenge: its policy stays as it was.
    const console = await pageWithSiteKey("/admin");
    expect(console.headers.get("Content-Security-Policy")).not.toContain(
      "challenges.cloudflare.com",
    );
    expect(await console.text()).not.toContain("turnstile-site-key");
  });

  it("never lets the admin console be framed", async () => {
    const response = await call("GET", "/admin");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
  });

  it("puts the PORTAL_FRAME_ANCESTORS setting into the portal's frame-ancestors", () => {
    const config = { portalFrameAncestors: ["'self'", "https://shop.example"] };
    expect(pageSecurityPolicy("portal", config)).toContain(
      "frame-ancestors 'self' https://shop.example",
    );
  });

  it("refuses a PORTAL_FRAME_ANCESTORS that could inject another directive", () => {
    const env = (value: string) => ({
      ENVIRONMENT: "test",
      PUBLIC_BASE_URL: "https://api.test",
      SIGNUP_URL: "https://app.test/signup",
      ACCESS_TOKEN_SECRET: "x".repeat(32),
      EVENTS_API_KEY: "x".repeat(32),
      IP_HASH_SALT: "x".repeat(32),
      PORTAL_FRAME_ANCESTORS: value,
    });
    expect(() => loadConfig(env("https://shop.example; script-src *") as never)).toThrow(
      /PORTAL_FRAME_ANCESTORS/,
    );
    expect(loadConfig(env("'self' https://*.shop.example") as never).portalFrameAncestors).toEqual([
      "'self'",
      "https://*.shop.example",
    ]);
  });

  it("leaves the API, the invite links and the docs to the Worker", async () => {
    expect(await (await call("GET", "/health")).json()).toEqual({ status: "ok" });
    expect((await call("GET", "/openapi.json")).headers.get("Content-Type")).toContain("json");
    const unknown = await call("GET", "/portal.html");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
