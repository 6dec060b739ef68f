/**
 * /referrals.js on a shop's own site, in a real Chromium against a real `wrangler dev`: the
 * shop is served from `localhost` and the API from `127.0.0.1` (two sites), as a shop on its
 * own domain would load the script from the API's.
 */
import { createServer, type Server } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiUser, apiCall, registerViaApi } from "./api";
import { launchChromium } from "./chromium";
import { freePort, startServer, type TestServer } from "./server";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1";

let server: TestServer;
let browser: Browser;
let shop: Server;
let shopOrigin: string;
let referrer: ApiUser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

/** Two pages of a shop, and one that frames the first in a sandbox (no cookies, no storage). */
function shopPage(path: string): string {
  const script = `<script src="${server.url}/referrals.js"></script>`;
  if (path === "/checkout") {
    return `<!doctype html><title>Checkout</title>${script}<form><input name="referralCode" aria-label="Code"></form>`;
  }
  if (path === "/sandboxed") {
    return `<!doctype html><title>Framed</title><iframe title="Shop" sandbox="allow-scripts" src="/landing?ref=${referrer.referralCode}&src=sms"></iframe>`;
  }
  return `<!doctype html><title>Shop</title>${script}<p>Welcome</p>`;
}

beforeAll(async () => {
  server = await startServer({ frameAncestors: ["'self'"] });
  shop = createServer((request, response) => {
    response.setHeader("Content-Type", "text/html");
    response.end(shopPage(new URL(request.url ?? "/", shopOrigin).pathname));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => shop.listen(port, "127.0.0.1", resolve));
  shopOrigin = `http://localhost:${port}`;
  referrer = await registerViaApi(server.url, { name: "Ayesha Khan" });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(null)));
  await server?.stop();
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  expect(problems.splice(0), "page errors or console errors").toEqual([]);
});

async function newPage(options: { userAgent?: string } = {}): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

type Kept = { code: string | null; source: string | null };
const kept = (page: Page) =>
  page.evaluate(() => {
    const referrals = (window as unknown as { Referrals: { code(): string; source(): string } })
      .Referrals;
    return { code: referrals.code(), source: referrals.source() };
  }) as Promise<Kept>;

describe("/referrals.js on a shop on another site", () => {
  it("keeps the code from the landing page and hands it to the checkout page's form", async () => {
    const page = await newPage();
    await page.goto(
      `${shopOrigin}/landing?ref=${referrer.referralCode.toLowerCase()}&src=WhatsApp`,
    );
    expect(await kept(page)).toEqual({ code: referrer.referralCode, source: "whatsapp" });

    await page.goto(`${shopOrigin}/checkout`);
    expect(await kept(page)).toEqual({ code: referrer.referralCode, source: "whatsapp" });
    await expect
      .poll(() => page.inputValue('input[name="referralCode"]'))
      .toBe(referrer.referralCode);
    // A first-party cookie of the shop's site, for the attribution window (30 days).
    const cookie = (await page.context().cookies(shopOrigin)).find((c) => c.name === "ref");
    expect(cookie?.value).toBe(referrer.referralCode);
    const days = ((cookie?.expires ?? 0) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("a page never opened with a code has none", async () => {
    const page = await newPage();
    await page.goto(`${shopOrigin}/checkout`);
    expect(await kept(page)).toEqual({ code: null, source: null });
    expect(await page.inputValue('input[name="referralCode"]')).toBe("");
  });

  it("with cookies and storage refused (a sandboxed frame) it still knows the code on that page", async () => {
    const page = await newPage();
    await page.goto(`${shopOrigin}/sandboxed`);
    const frame = page.frames().find((candidate) => candidate.url().includes("/landing"));
    await expect.poll(() => frame?.evaluate(() => "Referrals" in window)).toBe(true);
    const inFrame = await frame?.evaluate(() => {
      const referrals = (window as unknown as { Referrals: { code(): string; source(): string } })
        .Referrals;
      return { code: referrals.code(), source: referrals.source() };
    });
    expect(inFrame).toEqual({ code: referrer.referralCode, source: "sms" });
  });
});

describe("the iPhone install page", () => {
  it("copies the code with its button under the page's strict policy", async () => {
    const admin = await registerViaApi(server.url, {
      name: "Admin Person",
      phone: server.adminPhone,
    });
    const put = await apiCall(server.url, "PUT", "/v1/admin/link-settings", {
      token: admin.accessToken,
      body: {
        android: null,
        ios: { appId: "ABCDE12345.com.example.rewards", appStoreId: "1234567890" },
        previewImageUrl: null,
      },
    });
    expect(put.status).toBe(200);
    const page = await newPage({ userAgent: IPHONE });
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: server.url,
    });
    await page.goto(`${server.url}/r/${referrer.referralCode}`);
    await page.getByRole("button", { name: "Copy code" }).click();
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toBe(referrer.referralCode);
    await expect.poll(() => page.locator("#copy").textContent()).toBe("Copied");
  });
});
