/**
 * The people at the ends of the program, in a real Chromium against a real local server: the
 * portal and the console in Urdu (right to left), Hindi and English; every account task a
 * participant does alone (forgot password, verify phone, name, password, data, deletion); the
 * portal inside another site's frame telling it its height; the console on a 360 px phone.
 * Screenshots land in .test-results/; with UPDATE_SCREENSHOTS=1 the Urdu and Hindi ones also
 * replace docs/portal-ur.png and docs/portal-hi.png.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adjustPoints, apiCall, embedTokenFor, registerViaApi } from "./api";
import { launchChromium } from "./chromium";
import {
  browserProfiles,
  eventually,
  expectAccessible,
  expectNoHorizontalScroll,
  logInThroughForm,
  PHONE_VIEWPORT,
  smsCode,
  smsCount,
} from "./pages";
import { freePort, startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Browser;
let shop: Server;
/** A shop's page on another site (localhost, the server is on 127.0.0.1): storage is refused. */
let otherSiteShop: string;
const profiles = browserProfiles(() => ({ server, browser }));

/** What each language calls the log-in form's fields (the catalogues' words). */
const LOG_IN = {
  ur: { phone: "فون نمبر", password: "پاس ورڈ", logIn: "لاگ اِن کریں" },
  hi: { phone: "फ़ोन नंबर", password: "पासवर्ड", logIn: "लॉग इन करें" },
};

beforeAll(async () => {
  // The shop's page frames the portal and fits the frame to the height the portal reports,
  // as docs/web.md tells a shop to do; it keeps every height it heard for the test to read.
  shop = createServer((request, response) => {
    const token = new URL(request.url ?? "/", otherSiteShop).searchParams.get("token") ?? "";
    response.setHeader("Content-Type", "text/html");
    response.end(`<!doctype html><title>Shop</title>
<iframe id="rewards" title="Rewards" width="360" height="200" src="${server.url}/portal#token=${encodeURIComponent(token)}"></iframe>
<script>
  window.heights = [];
  addEventListener("message", (event) => {
    if (event.origin !== ${JSON.stringify(server.url)} || event.data?.type !== "edge-referrals:height") return;
    window.heights.push(event.data.height);
    document.getElementById("rewards").height = String(event.data.height);
  });
</script>`);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => shop.listen(port, "127.0.0.1", resolve));
  otherSiteShop = `http://localhost:${port}`;
  server = await startServer({ frameAncestors: ["'self'", otherSiteShop] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(null)));
  await server?.stop();
});

afterEach(async () => {
  expect(await profiles.closeAll(), "page errors, CSP violations or console errors").toEqual([]);
});

const htmlLangDir = (page: Page) =>
  page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));

/** Where an element's box starts and ends, and the viewport's width. */
const box = (page: Page, selector: string) =>
  page.evaluate((css) => {
    const rect = document.querySelector(css)?.getBoundingClientRect();
    return { left: rect?.left ?? -1, right: rect?.right ?? -1, width: window.innerWidth };
  }, selector);

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `.test-results/${name}.png`, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    await page.screenshot({ path: `docs/${name}.png`, fullPage: true });
  }
}

let admin: Awaited<ReturnType<typeof registerViaApi>> | null = null;
async function adminSession() {
  admin ??= await registerViaApi(server.url, { name: "Admin User", phone: server.adminPhone });
  return admin;
}

describe("the portal in three languages", () => {
  it("follows ?lang=ur: Urdu words, right to left, mirrored, numbers and dates in Urdu", async () => {
    const member = await registerViaApi(server.url, { name: "Ayesha Khan" });
    await adjustPoints(server.url, (await adminSession()).accessToken, member.id, 1500);
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto("/portal?lang=ur");
    await eventually(() => htmlLangDir(page)).toEqual({ lang: "ur", dir: "rtl" });
    await page.getByRole("heading", { name: "خوش آمدید" }).waitFor();
    await expectAccessible(page);

    await logInThroughForm(page, "/portal?lang=ur", member, LOG_IN.ur);
    await page.getByRole("heading", { name: /^سلام، .?Ayesha Khan.?$/ }).waitFor();
    await page.getByRole("heading", { name: "آپ کے پوائنٹس" }).waitFor();
    await eventually(() => page.getByTestId("balance").textContent()).toBe("1,500");
    expect(await htmlLangDir(page)).toEqual({ lang: "ur", dir: "rtl" });
    // Mirrored: a heading starts at the right edge of its card, not the left.
    const heading = await box(page, ".card h2");
    expect(heading.right).toBeGreaterThan(heading.width - 40);
    expect(await page.getByText("Your points").count()).toBe(0);
    expect(await page.locator("body").textContent()).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
    await screenshot(page, "portal-ur");
  });

  it("follows a Hindi browser, then the Hindi account: Devanagari, left to right, Indian digit grouping, a language choice", async () => {
    // Signed in, a page follows the account's language (an English account would be English).
    const member = await registerViaApi(server.url, { name: "Priya Sharma", locale: "hi" });
    await adjustPoints(server.url, (await adminSession()).accessToken, member.id, 123456);
    const context = await profiles.newContext({ viewport: PHONE_VIEWPORT, locale: "hi-IN" });
    const page = await context.newPage();
    await logInThroughForm(page, "/portal", member, LOG_IN.hi);
    await page.getByRole("heading", { name: "नमस्ते, Priya Sharma" }).waitFor();
    expect(await htmlLangDir(page)).toEqual({ lang: "hi", dir: "ltr" });
    await eventually(() => page.getByTestId("balance").textContent()).toBe("1,23,456");
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
    await screenshot(page, "portal-hi");

    // The choice names each language in its own words, and is kept for the next visit.
    const choice = page.getByLabel("भाषा");
    expect(await choice.locator("option").allTextContents()).toEqual(["English", "اردو", "हिन्दी"]);
    await choice.selectOption("ur");
    await page.getByRole("heading", { name: /^سلام، .?Priya Sharma.?$/ }).waitFor();
    expect(await htmlLangDir(page)).toEqual({ lang: "ur", dir: "rtl" });
    await page.reload();
    await page.getByRole("heading", { name: /^سلام، .?Priya Sharma.?$/ }).waitFor();
    await page.getByLabel("زبان").selectOption("en");
    await page.getByRole("heading", { name: "Hi, Priya Sharma" }).waitFor();
    expect(await htmlLangDir(page)).toEqual({ lang: "en", dir: "ltr" });
    await expectAccessible(page);
  });

  it("counts in the language's plural forms: 1 referral, never 1 referrals", async () => {
    const referrer = await registerViaApi(server.url, { name: "Hamza Iqbal" });
    await registerViaApi(server.url, { name: "Sara Iqbal", referralCode: referrer.referralCode });
    const page = await (await profiles.newContext()).newPage();
    await logInThroughForm(page, "/portal", referrer);
    await page.getByRole("heading", { name: "Hi, Hamza Iqbal" }).waitFor();
    await page.getByText(/with 1 referral$/).waitFor();
    expect(await page.getByText(/\b1 referrals\b/).count()).toBe(0);
  });
});

describe("account care in the portal", () => {
  it("resets a forgotten password with a code sent by SMS, and signs in", async () => {
    const member = await registerViaApi(server.url, { name: "Bilal Ahmed" });
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto("/portal");
    await page.getByRole("button", { name: "Forgot password?" }).click();
    await page.getByLabel("Phone", { exact: true }).fill(member.phone);
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByLabel("Code from the SMS").waitFor();
    await expectAccessible(page);
    const code = await smsCode(server, member.phone);
    await page.getByLabel("Code from the SMS").fill(code);
    await page.getByLabel("New password").fill("a brand new secret");
    await page.getByRole("button", { name: "Set password and log in" }).click();
    await page.getByRole("heading", { name: "Hi, Bilal Ahmed" }).waitFor();

    const old = await apiCall(server.url, "POST", "/v1/auth/login", {
      body: { phone: member.phone, password: member.password },
    });
    expect(old.status).toBe(401);
    const fresh = await apiCall(server.url, "POST", "/v1/auth/login", {
      body: { phone: member.phone, password: "a brand new secret" },
    });
    expect(fresh.status).toBe(200);
  });

  it("asks an unverified participant to verify their phone, and verifies it with the SMS code", async () => {
    const member = await registerViaApi(server.url, { name: "Usman Tariq" });
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(page, "/portal", member);
    const prompt = page.getByRole("region", { name: "Verify your phone" });
    await prompt.waitFor();
    const sent = smsCount(server, member.phone);
    await prompt.getByRole("button", { name: "Send code" }).click();
    const code = await smsCode(server, member.phone, sent);
    await prompt.getByLabel("Code from the SMS").fill(code);
    await prompt.getByRole("button", { name: "Verify" }).click();
    await page.getByText("Your phone is verified.").waitFor();
    const me = await apiCall<{ phoneVerified: boolean }>(server.url, "GET", "/v1/me", {
      token: member.accessToken,
    });
    expect(me.body.phoneVerified).toBe(true);
    await page.reload();
    await page.getByRole("heading", { name: "Hi, Usman Tariq" }).waitFor();
    await page.getByRole("heading", { name: "Your points" }).waitFor();
    expect(await page.getByRole("region", { name: "Verify your phone" }).count()).toBe(0);
  });

  it("changes the name and the password, downloads the data, and deletes the account after a confirmation", async () => {
    const member = await registerViaApi(server.url, { name: "Hina Raza" });
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(page, "/portal", member);
    await page.getByRole("heading", { name: "Hi, Hina Raza" }).waitFor();
    const account = page.getByRole("region", { name: "Your account" });

    await account.getByLabel("Name", { exact: true }).fill("Hina Rizvi");
    await account.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("heading", { name: "Hi, Hina Rizvi" }).waitFor();

    await account.getByLabel("Current password").fill(member.password);
    await account.getByLabel("New password").fill("another good secret");
    await account.getByRole("button", { name: "Change password" }).click();
    await account.getByText("Your password is changed.").waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      account.getByRole("button", { name: "Download my data" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^my-data-.*\.json$/);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path, "utf8")).toContain(member.id);
    await expectAccessible(page);

    await account.getByRole("button", { name: "Delete my account" }).click();
    await account.getByLabel("Password", { exact: true }).fill("another good secret");
    await account.getByRole("button", { name: "Yes, delete my account" }).click();
    await page.getByRole("heading", { name: "Welcome back" }).waitFor();
    const login = await apiCall(server.url, "POST", "/v1/auth/login", {
      body: { phone: member.phone, password: "another good secret" },
    });
    expect(login.status).toBe(401);
  });
});

describe("the portal in another site's frame", () => {
  it("tells the shop's page its height, on load and when it changes, with no password screens", async () => {
    const member = await registerViaApi(server.url, { name: "Omar Farooq" });
    const token = await embedTokenFor(server.url, (await adminSession()).accessToken, member.id);
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto(`${otherSiteShop}/?token=${encodeURIComponent(token)}`);
    const frame = page.frameLocator("iframe");
    await frame.getByRole("heading", { name: "Your points" }).waitFor();
    const framed = page.frames().find((candidate) => candidate.url().startsWith(server.url));
    if (!framed) throw new Error("no portal frame");
    const contentHeight = () =>
      framed.evaluate(() => document.documentElement.getBoundingClientRect().height);
    const lastHeight = () =>
      page.evaluate(() => (window as unknown as { heights: number[] }).heights.at(-1) ?? 0);
    // Whole pixels: the frame fits the content, rounded up.
    await eventually(async () => (await lastHeight()) - (await contentHeight())).toSatisfy(
      (gap: number) => gap >= 0 && gap < 1,
    );
    expect(await lastHeight()).toBeGreaterThan(640);

    // A narrower frame wraps more lines: the portal says its new height.
    const before = await lastHeight();
    await page.evaluate(() => {
      (document.getElementById("rewards") as HTMLIFrameElement).width = "300";
    });
    await eventually(async () => (await lastHeight()) !== before).toBe(true);
    // Whole pixels: the frame fits the content, rounded up.
    await eventually(async () => (await lastHeight()) - (await contentHeight())).toSatisfy(
      (gap: number) => gap >= 0 && gap < 1,
    );

    expect(await frame.getByRole("button", { name: "Log out" }).count()).toBe(0);
    expect(await frame.getByText(/password|delete my/i).count()).toBe(0);
    await expectAccessible(framed);
  });
});

/**
 * Words that do not fit the box they are written in, so the browser broke them mid-word (a
 * table squeezing its columns). Ids, links and other tokens with _ . / : @ - may break.
 */
const wordsWiderThanTheirBox = (page: Page) =>
  page.evaluate(() => {
    const broken: string[] = [];
    const probe = document.createElement("span");
    probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap";
    document.body.append(probe);
    for (const box of Array.from(
      document.querySelectorAll("main th, main td, main label, main button"),
    )) {
      const style = getComputedStyle(box);
      const room =
        box.clientWidth - parseFloat(style.paddingInlineStart) - parseFloat(style.paddingInlineEnd);
      probe.style.font = style.font;
      probe.style.letterSpacing = style.letterSpacing;
      for (const word of (box.textContent ?? "").split(/\s+/)) {
        if (!word || /[_./:@-]/.test(word)) continue;
        probe.textContent = word;
        if (probe.getBoundingClientRect().width > room + 1) broken.push(word);
      }
    }
    probe.remove();
    return broken;
  });

const CONSOLE_PAGES = [
  "analytics",
  "review",
  "program",
  "campaigns",
  "catalog",
  "messages",
  "users",
  "audit",
  "webhooks",
  "api-keys",
];

describe("the console on a phone", () => {
  for (const lang of ["en", "ur", "hi"] as const) {
    it(`fits every page in 360 px and stays accessible (${lang})`, async () => {
      const me = await adminSession();
      const member = await registerViaApi(server.url, { name: "Rabia Anwar" });
      // A referral held for review (same device as its referrer): the widest table there is.
      const device = `phone-test-${lang}`;
      const referrer = await registerViaApi(server.url, {
        name: "Nadia Hussain",
        deviceId: device,
      });
      await registerViaApi(server.url, {
        name: "Faisal Qureshi",
        referralCode: referrer.referralCode,
        deviceId: device,
      });
      const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
      await logInThroughForm(
        page,
        `/admin?lang=${lang}`,
        me,
        lang === "en" ? undefined : LOG_IN[lang],
      );
      await page.locator("nav.tabs").waitFor();
      expect((await htmlLangDir(page)).lang).toBe(lang);
      for (const name of [...CONSOLE_PAGES, `users/${member.id}`]) {
        await page.goto(`/admin?lang=${lang}#${name}`);
        const tab = name.split("/")[0];
        await page.locator(`nav.tabs a[href="#${tab}"][aria-current="page"]`).waitFor();
        await page.locator("main h1").first().waitFor();
        await page.waitForLoadState("networkidle");
        const width = await page.evaluate(
          () => (document.scrollingElement ?? document.documentElement).scrollWidth,
        );
        expect(width, `#${name} in ${lang}`).toBeLessThanOrEqual(360);
        expect(await wordsWiderThanTheirBox(page), `#${name} in ${lang}`).toEqual([]);
        if (name === "analytics" || name === "review" || name === `users/${member.id}`) {
          await expectAccessible(page);
        }
      }
      if (lang !== "en") await page.screenshot({ path: `.test-results/admin-${lang}.png` });
    });
  }
});
