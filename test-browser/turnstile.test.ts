/**
 * The portal with TURNSTILE_SITE_KEY set, in a real Chromium: the widget's container and
 * Cloudflare's script are on the sign-up form, and the widget's token goes with the signup.
 * Cloudflare's script cannot load offline: a stub answers at its own URL, so that it runs
 * only because the portal's CSP lets challenges.cloudflare.com in.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { startServer, type TestServer } from "./server";

const SITE_KEY = "1x00000000000000000000AA"; // Cloudflare's always-pass test site key
const SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";

/** Renders a marker into the container and hands out a token, as the widget would. */
const STUB = `window.turnstile = {
  render(container, options) {
    const widget = document.createElement("div");
    widget.className = "stub-turnstile";
    widget.dataset.sitekey = options.sitekey;
    container.append(widget);
    setTimeout(() => options.callback("stub-token-1"), 50);
    return "widget-1";
  },
  reset() {},
  remove() {},
};`;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startServer({ frameAncestors: ["'self'"], vars: { TURNSTILE_SITE_KEY: SITE_KEY } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("the portal renders the Turnstile widget when the site key is set and sends its token with the signup", async () => {
  const page = await browser.newPage();
  const refusedByPolicy: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) refusedByPolicy.push(message.text());
  });
  await page.route(`${SCRIPT}*`, (route) =>
    route.fulfill({ contentType: "text/javascript", body: STUB }),
  );
  await page.goto(`${server.url}/portal`);
  // The portal opens on the log-in form; the sign-up form is a click away.
  await page.getByRole("button", { name: "Create account" }).click();
  await expect.poll(() => page.locator(".challenge .stub-turnstile").count()).toBe(1);
  expect(await page.locator(".stub-turnstile").getAttribute("data-sitekey")).toBe(SITE_KEY);
  expect(await page.locator(`script[src^="${SCRIPT}"]`).count()).toBe(1);

  await page.getByLabel("Name", { exact: true }).fill("Zara Sheikh");
  await page
    .getByLabel("Phone", { exact: true })
    .fill(`+92300${String(Date.now() % 10_000_000).padStart(7, "0")}`);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  const register = page.waitForRequest((request) => request.url().endsWith("/v1/auth/register"));
  await page.getByRole("button", { name: "Create account" }).click();
  const sent = await register;
  expect(sent.headers()["cf-turnstile-response"]).toBe("stub-token-1");
  expect((await sent.response())?.status()).toBe(201);
  expect(refusedByPolicy).toEqual([]);
  await page.close();
});
