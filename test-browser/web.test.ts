/**
 * The portal and the admin console in a real Chromium against a real local server
 * (wrangler dev with fresh local D1/KV). Screenshots land in .test-results/; with
 * UPDATE_SCREENSHOTS=1 they also replace the README's docs/portal.png and docs/admin.png.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiUser,
  adjustPoints,
  apiCall,
  balanceOf,
  embedTokenFor,
  registerViaApi,
  uniquePhone,
} from "./api";
import { launchChromium } from "./chromium";
import {
  browserProfiles,
  eventually,
  expectAccessible,
  expectNoHorizontalScroll,
  logInThroughForm,
  PHONE_VIEWPORT,
} from "./pages";
import { freePort, startServer, type TestServer } from "./server";

let server: TestServer;
let browser: Browser;
let embedder: Server;
/** The shop's page on the same site as the server (127.0.0.1, another port): storage is shared. */
let embedderOrigin: string;
/** The same shop's page on another site (localhost): Chromium refuses the frame any storage. */
let otherSiteEmbedderOrigin: string;
const profiles = browserProfiles(() => ({ server, browser }));
const newContext = profiles.newContext;

beforeAll(async () => {
  // A page on another origin that frames the portal, as a shop's site would.
  embedder = createServer((request, response) => {
    const token = new URL(request.url ?? "/", embedderOrigin).searchParams.get("token") ?? "";
    response.setHeader("Content-Type", "text/html");
    response.end(
      `<!doctype html><title>Shop</title><iframe title="Rewards" width="360" height="640" src="${server.url}/portal#token=${encodeURIComponent(token)}"></iframe>`,
    );
  });
  const embedderPort = await freePort();
  await new Promise<void>((resolve) => embedder.listen(embedderPort, "127.0.0.1", resolve));
  embedderOrigin = `http://127.0.0.1:${embedderPort}`;
  otherSiteEmbedderOrigin = `http://localhost:${embedderPort}`;
  server = await startServer({
    frameAncestors: ["'self'", embedderOrigin, otherSiteEmbedderOrigin],
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (embedder ? embedder.close(resolve) : resolve(null)));
  await server?.stop();
});

afterEach(async () => {
  expect(await profiles.closeAll(), "page errors, CSP violations or console errors").toEqual([]);
});

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `.test-results/${name}.png`, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === "1" && (name === "portal" || name === "admin")) {
    await page.screenshot({ path: `docs/${name}.png`, fullPage: true });
  }
}

async function signUpFromInvite(page: Page, referrer: ApiUser, name: string) {
  await page.goto(`/r/${referrer.referralCode}?src=whatsapp`);
  await eventually(() => new URL(page.url()).pathname).toBe("/portal");
  await eventually(() => page.getByLabel("Referral code").inputValue()).toBe(referrer.referralCode);
  await page.getByLabel("Name").fill(name);
  const phone = uniquePhone();
  await page.getByLabel("Phone").fill(phone);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: `Hi, ${name}` }).waitFor();
  return phone;
}

describe("the participant portal", () => {
  it("signs up a visitor from an invite link, with the code prefilled, on a phone-size screen", async () => {
    const referrer = await registerViaApi(server.url, { name: "Ayesha Khan" });
    const page = await (await newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto(`/r/${referrer.referralCode}`);
    await eventually(() => new URL(page.url()).pathname).toBe("/portal");
    await page.getByText("Invited by Ayesha K.").waitFor();
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
    await screenshot(page, "portal-signup");

    await signUpFromInvite(page, referrer, "Bilal Ahmed");
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);

    const referrals = await apiCall<{ data: { name: string; status: string; source: string }[] }>(
      server.url,
      "GET",
      "/v1/me/referrals",
      { token: referrer.accessToken },
    );
    expect(referrals.body.data).toEqual([
      expect.objectContaining({ name: "Bilal A.", status: "qualified", source: "whatsapp" }),
    ]);
  });

  it("shares the link by WhatsApp, SMS, email and the clipboard", async () => {
    const referrer = await registerViaApi(server.url, { name: "Sana Malik" });
    const context = await newContext();
    const page = await context.newPage();
    await signUpFromInvite(page, referrer, "Usman Tariq");
    const link = await page.locator(".link-box").textContent();
    expect(link).toMatch(new RegExp(`^${server.url}/r/[A-Z2-9]{8}$`));

    const href = (name: string) =>
      page.getByRole("link", { name, exact: true }).getAttribute("href");
    const whatsapp = await href("WhatsApp");
    expect(whatsapp).toMatch(/^https:\/\/wa\.me\/\?text=/);
    expect(decodeURIComponent(whatsapp ?? "")).toContain(`${link}?src=whatsapp`);
    expect(await href("SMS")).toMatch(/^sms:/);
    expect(decodeURIComponent((await href("SMS")) ?? "")).toContain(`${link}?src=sms`);
    expect(await href("Email")).toMatch(/^mailto:\?subject=/);
    expect(decodeURIComponent((await href("Email")) ?? "")).toContain(`${link}?src=email`);
    await eventually(() => page.getByRole("img", { name: "QR code of your link" }).count()).toBe(1);

    await page.getByRole("button", { name: "Copy link" }).click();
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toBe(`${link}?src=copy`);
  });

  it("stays signed in across reloads and across tabs that refresh the same session at once", async () => {
    const referrer = await registerViaApi(server.url, { name: "Hina Raza" });
    const context = await newContext();
    const first = await context.newPage();
    await signUpFromInvite(first, referrer, "Kamran Ali");
    await first.reload();
    await first.getByRole("heading", { name: "Hi, Kamran Ali" }).waitFor();

    // The access token is about to expire in both tabs: each would refresh, and refresh tokens
    // are single use. The Web Lock lets one tab refresh; the other reads the new token.
    const second = await context.newPage();
    await second.goto("/portal");
    await second.getByRole("heading", { name: "Hi, Kamran Ali" }).waitFor();
    const refreshes: number[] = [];
    let monthlyBoards = 0;
    context.on("response", (response) => {
      if (response.url().endsWith("/v1/auth/refresh")) refreshes.push(response.status());
      if (response.url().includes("/v1/leaderboard?period=month")) monthlyBoards += 1;
    });
    // A slow network: the first tab's refresh is still on its way back when the second tab
    // needs a token (the server has already rotated it).
    await context.route("**/v1/auth/refresh", async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.fulfill({ response });
    });
    for (const page of [first, second]) await page.waitForLoadState("networkidle");
    await first.evaluate(() => {
      const key = "edge-referrals.session";
      const session = JSON.parse(localStorage.getItem(key) ?? "{}");
      localStorage.setItem(key, JSON.stringify({ ...session, expiresAt: Date.now() + 1000 }));
    });
    await Promise.all(
      [first, second].map((page) => page.getByRole("button", { name: "This month" }).click()),
    );
    await eventually(() => monthlyBoards).toBe(2);
    expect(refreshes).toEqual([200]);
    // Had a used refresh token been replayed, the API would have revoked the whole session.
    await Promise.all([first.reload(), second.reload()]);
    for (const page of [first, second]) {
      await page.getByRole("heading", { name: "Hi, Kamran Ali" }).waitFor();
      await page.getByRole("heading", { name: "Your points" }).waitFor();
    }
    expect(await first.getByText("You were signed out").count()).toBe(0);
  });

  it("redeems a reward, shows the coupon code, and says in words when points are short", async () => {
    const admin = await adminSession();
    const member = await registerViaApi(server.url, { name: "Zara Sheikh" });
    await adjustPoints(server.url, admin.accessToken, member.id, 150);
    const page = await (await newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(page, "/portal", member);
    await page.getByRole("heading", { name: "Hi, Zara Sheikh" }).waitFor();
    await eventually(() => page.getByTestId("balance").textContent()).toBe("150");

    const rewards = await apiCall<{ data: { id: string; name: string; cost: number }[] }>(
      server.url,
      "GET",
      "/v1/rewards",
    );
    const cheapest = rewards.body.data.reduce((a, b) => (a.cost <= b.cost ? a : b));
    const dearest = rewards.body.data.reduce((a, b) => (a.cost >= b.cost ? a : b));
    await page.getByRole("button", { name: `Redeem ${cheapest.name}` }).click();
    await page.getByText("Your coupon code").waitFor();
    expect(await page.locator(".coupon").textContent()).toMatch(/^[A-Z0-9-]{8,}$/);
    await page.getByRole("button", { name: "Copy code" }).waitFor();
    await eventually(() => page.getByTestId("balance").textContent()).toBe(
      String(150 - cheapest.cost),
    );
    await expectNoHorizontalScroll(page);
    await screenshot(page, "portal");

    await page.getByRole("button", { name: `Redeem ${dearest.name}` }).click();
    await page.getByText("You don't have enough points for this reward yet.").waitFor();
    expect(await balanceOf(server.url, member.accessToken)).toBe(150 - cheapest.cost);
    await expectAccessible(page);
  });

  it("shows an embed token's user inside another site's iframe, where storage is refused, with no log-out or password controls", async () => {
    const member = await registerViaApi(server.url, { name: "Omar Farooq" });
    const token = await embedTokenFor(server.url, (await adminSession()).accessToken, member.id);
    const page = await (await newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto(`${otherSiteEmbedderOrigin}/?token=${encodeURIComponent(token)}`);
    const frame = page.frameLocator("iframe");
    await frame.getByRole("heading", { name: "Hi, Omar Farooq" }).waitFor();
    await frame.getByRole("heading", { name: "Your points" }).waitFor();
    // The token is read once and cleared from the frame's address.
    const framed = page.frames().find((candidate) => candidate.url().startsWith(server.url));
    expect(framed?.url()).toBe(`${server.url}/portal`);
    // The shop's own page signs its customer in and out: none of that here.
    expect(await frame.getByRole("button", { name: "Log out" }).count()).toBe(0);
    expect(await frame.getByText(/password|delete|erase/i).count()).toBe(0);
    await page.locator("iframe").screenshot({ path: ".test-results/portal-embedded.png" });
    if (framed) await expectAccessible(framed);
  });

  it("keeps this browser's session when a frame of the same site shows an embed token's user", async () => {
    const signedIn = await registerViaApi(server.url, { name: "Asma Javed" });
    const member = await registerViaApi(server.url, { name: "Tariq Mehmood" });
    const token = await embedTokenFor(server.url, (await adminSession()).accessToken, member.id);
    const context = await newContext();
    const own = await context.newPage();
    await logInThroughForm(own, "/portal", signedIn);
    await own.getByRole("heading", { name: "Hi, Asma Javed" }).waitFor();
    const stored = await own.evaluate(() => localStorage.getItem("edge-referrals.session"));
    expect(stored).toContain('"refreshToken":"');

    const shop = await context.newPage();
    await shop.goto(`${embedderOrigin}/?token=${encodeURIComponent(token)}`);
    const frame = shop.frameLocator("iframe");
    await frame.getByRole("heading", { name: "Hi, Tariq Mehmood" }).waitFor();
    expect(await frame.getByRole("button", { name: "Log out" }).count()).toBe(0);

    // A frame never reads the stored session either: without a usable token it shows no one.
    const broken = await context.newPage();
    await broken.goto(`${embedderOrigin}/?token=not-a-token`);
    await broken.frameLocator("iframe").getByText("could not be opened here").waitFor();
    expect(await broken.frameLocator("iframe").getByText("Asma").count()).toBe(0);
    await broken
      .locator("iframe")
      .screenshot({ path: ".test-results/portal-embedded-no-token.png" });

    await own.reload();
    await own.getByRole("heading", { name: "Hi, Asma Javed" }).waitFor();
    expect(await own.evaluate(() => localStorage.getItem("edge-referrals.session"))).toBe(stored);
  });

  it("ignores a token planted in the fragment of the portal opened on its own, and clears it", async () => {
    const signedIn = await registerViaApi(server.url, { name: "Mehwish Iqbal" });
    const planted = await registerViaApi(server.url, { name: "Shahid Afridi" });
    const token = await embedTokenFor(server.url, (await adminSession()).accessToken, planted.id);
    const context = await newContext();
    const own = await context.newPage();
    await logInThroughForm(own, "/portal", signedIn);
    await own.getByRole("heading", { name: "Hi, Mehwish Iqbal" }).waitFor();
    const stored = await own.evaluate(() => localStorage.getItem("edge-referrals.session"));

    // A link someone else sent, opened in a new tab.
    const linked = await context.newPage();
    await linked.goto(`/portal#token=${encodeURIComponent(token)}`);
    await linked.getByRole("heading", { name: "Hi, Mehwish Iqbal" }).waitFor();
    expect(new URL(linked.url()).hash).toBe("");
    expect(await linked.evaluate(() => localStorage.getItem("edge-referrals.session"))).toBe(
      stored,
    );
    await own.reload();
    await own.getByRole("heading", { name: "Hi, Mehwish Iqbal" }).waitFor();

    // Signed out, such a link signs no one in either.
    const stranger = await (await newContext()).newPage();
    await stranger.goto(`/portal#token=${encodeURIComponent(token)}`);
    await stranger.getByRole("heading", { name: "Welcome back" }).waitFor();
    expect(new URL(stranger.url()).hash).toBe("");
    expect(await stranger.getByText("Shahid").count()).toBe(0);
  });
});

let admin: ApiUser | null = null;
async function adminSession(): Promise<ApiUser> {
  admin ??= await registerViaApi(server.url, { name: "Admin User", phone: server.adminPhone });
  return admin;
}

describe("the admin console", () => {
  it("approves a held referral and the referrer is paid", async () => {
    const device = "browser-test-shared-device";
    const referrer = await registerViaApi(server.url, { name: "Nadia Hussain", deviceId: device });
    // Same device as the referrer: the fraud rules hold the referral for review.
    await registerViaApi(server.url, {
      name: "Faisal Qureshi",
      referralCode: referrer.referralCode,
      deviceId: device,
    });
    expect(await balanceOf(server.url, referrer.accessToken)).toBe(0);

    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin", await adminSession());
    await page.getByRole("heading", { name: "Analytics" }).waitFor();
    await page.locator(".chart canvas").first().waitFor();
    await expectAccessible(page);
    await screenshot(page, "admin");

    await page.getByRole("link", { name: "Review queue" }).click();
    await page.getByRole("heading", { name: "Review queue" }).waitFor();
    const row = page.getByRole("row").filter({ hasText: "Faisal Qureshi" });
    await row.getByText("Same device as the referrer").waitFor();
    await expectAccessible(page);
    await screenshot(page, "admin-review");
    await row.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Approved the referral of Faisal Qureshi.").waitFor();
    await eventually(() => balanceOf(server.url, referrer.accessToken)).toBeGreaterThan(0);
  });

  it("shows the API's validation errors at the program's fields", async () => {
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#program", await adminSession());
    await page.getByRole("heading", { name: "Program", level: 1 }).waitFor();
    const field = page.getByLabel("Bonus for the new user");
    await field.fill("-5");
    await page.getByRole("button", { name: "Publish new version" }).click();
    await eventually(() => field.getAttribute("aria-invalid")).toBe("true");
    await expectAccessible(page);
  });

  it("simulates the draft over the last days' referrals beside the rules in force, before Publish", async () => {
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#program", await adminSession());
    await page.getByRole("heading", { name: "Program", level: 1 }).waitFor();
    await page.getByLabel("Bonus for the new user").fill("35");
    await page.getByLabel("Referrals of the last (days)").fill("7");
    await page.getByRole("button", { name: "Simulate" }).click();
    const table = page.getByRole("table").filter({ hasText: "Rules in force" });
    await table.waitFor();
    await page.getByText(/referrals of the last 7 days, replayed/).waitFor();
    await table.getByRole("row", { name: /New users' points/ }).waitFor();
    await expectAccessible(page);
    // Simulating published nothing.
    const program = await apiCall<{ rules: { refereeBonus: number } }>(
      server.url,
      "GET",
      "/v1/admin/program",
      { token: (await adminSession()).accessToken },
    );
    expect(program.body.rules.refereeBonus).not.toBe(35);
  });

  it("sets the apps on the Links page, with the API's errors at their fields", async () => {
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#links", await adminSession());
    await page.getByRole("heading", { name: "Links", level: 1 }).waitFor();
    await page.getByLabel("Package name (com.example.app)").fill("com.example.rewards");
    const fingerprints = page.getByLabel("SHA-256 certificate fingerprints (comma-separated)");
    await fingerprints.fill("14:6D:E9");
    await page.getByRole("button", { name: "Save" }).click();
    await eventually(() => fingerprints.getAttribute("aria-invalid")).toBe("true");
    await fingerprints.fill(Array.from({ length: 32 }, () => "ab").join(":"));
    await page.getByLabel("App id (TEAMID.bundle.id)").fill("ABCDE12345.com.example.rewards");
    await page.getByLabel("App Store id (digits)").fill("1234567890");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved. Invite links follow within a minute.").waitFor();
    await expectAccessible(page);
    const assetLinks = await apiCall(server.url, "GET", "/.well-known/assetlinks.json");
    expect(assetLinks.status).toBe(200);
  });

  it("finds a user by phone, adjusts their points, and erases them after a confirmation", async () => {
    const member = await registerViaApi(server.url, { name: "Rabia Anwar" });
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#users", await adminSession());
    await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
    // As a caller would say it: spaces and a dash.
    const spoken = `${member.phone.slice(0, 3)} ${member.phone.slice(3, 6)} ${member.phone.slice(6)}`;
    await page.getByLabel("Phone").fill(spoken);
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByRole("heading", { name: "Rabia Anwar" }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#users/${member.id}`);
    await eventually(() => page.getByTestId("user-phone").textContent()).toBe(member.phone);
    await expectAccessible(page);

    await page.getByLabel("Points (negative to deduct)").fill("40");
    await page.getByLabel("Reason").fill("Goodwill after a call");
    await page.getByRole("button", { name: "Adjust" }).click();
    await page.getByText("Adjusted: new balance 40.").waitFor();
    await eventually(() => page.getByTestId("user-balance").textContent()).toBe("40");
    expect(await balanceOf(server.url, member.accessToken)).toBe(40);

    await page.getByRole("link", { name: "Audit log of this user" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    const entry = page.getByRole("row").filter({ hasText: "user.adjust" });
    await entry.getByText("Goodwill after a call").waitFor();
    await expectAccessible(page);
    await entry.getByRole("link", { name: member.id }).click();
    await page.getByRole("heading", { name: "Rabia Anwar" }).waitFor();

    await page.getByRole("button", { name: "Erase user" }).click();
    await page.getByRole("button", { name: "Yes, erase Rabia Anwar" }).click();
    await page.getByText("Erased", { exact: true }).waitFor();
    const login = await apiCall(server.url, "POST", "/v1/auth/login", {
      body: { phone: member.phone, password: member.password },
    });
    expect(login.status).toBe(401);
  });

  it("adjusts a user's points once when Adjust is tapped twice (each tap would be a new Idempotency-Key)", async () => {
    const member = await registerViaApi(server.url, { name: "Tariq Jamil" });
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, `/admin#users/${member.id}`, await adminSession());
    await page.getByRole("heading", { name: "Tariq Jamil" }).waitFor();
    await page.getByLabel("Points (negative to deduct)").fill("25");
    await page.getByLabel("Reason").fill("One goodwill credit");
    await page.getByRole("button", { name: "Adjust" }).dblclick();
    await page.getByText("Adjusted: new balance 25.").waitFor();
    // Whatever a second request would have done is done by now: the page shows the list again.
    await eventually(() => page.getByTestId("user-balance").textContent()).toBe("25");
    await page.waitForLoadState("networkidle");
    expect(await balanceOf(server.url, member.accessToken)).toBe(25);
  });

  it("restores an older program version as the newest", async () => {
    const { accessToken } = await adminSession();
    const inForce = await apiCall<{ version: number; rules: { refereeBonus: number } }>(
      server.url,
      "GET",
      "/v1/admin/program",
      { token: accessToken },
    );
    const older = inForce.body;
    const changed = await apiCall<{ version: number }>(server.url, "PUT", "/v1/admin/program", {
      token: accessToken,
      body: { rules: { ...older.rules, refereeBonus: older.rules.refereeBonus + 7 } },
    });
    expect(changed.status).toBe(200);

    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#program", await adminSession());
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await eventually(() => page.getByLabel("Bonus for the new user").inputValue()).toBe(
      String(older.rules.refereeBonus + 7),
    );
    await page.getByRole("button", { name: `Show version ${older.version}`, exact: true }).click();
    await page.getByRole("heading", { name: `Version ${older.version}`, exact: true }).waitFor();
    await expectAccessible(page);
    await screenshot(page, "admin-program-versions");
    await page
      .getByRole("button", { name: `Restore version ${older.version}`, exact: true })
      .click();
    const restored = changed.body.version + 1;
    await page.getByText(`Restored version ${older.version} as version ${restored}.`).waitFor();
    await eventually(() => page.getByLabel("Bonus for the new user").inputValue()).toBe(
      String(older.rules.refereeBonus),
    );
    const now = await apiCall<{ version: number; rules: unknown }>(
      server.url,
      "GET",
      "/v1/admin/program",
      { token: accessToken },
    );
    expect(now.body).toMatchObject({ version: restored, rules: older.rules });
  });

  it("adds a webhook endpoint, shows its signing secret once, and sends it a test", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await logInThroughForm(page, "/admin#webhooks", await adminSession());
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    // The page that frames the portal answers any path: it stands in for a shop's receiver.
    const url = `${embedderOrigin}/hooks/rewards`;
    await page.getByLabel("Endpoint URL").fill(url);
    await page.getByLabel("referral.qualified").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const shown = page.getByRole("region", { name: `Signing secret of ${url}` });
    const secret = (await shown.getByTestId("secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await shown.getByRole("button", { name: "Copy secret" }).click();
    await eventually(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectAccessible(page);
    await screenshot(page, "admin-webhooks");
    await shown.getByRole("button", { name: "I have saved it" }).click();
    await page.reload();
    const endpoint = page.getByRole("listitem").filter({ hasText: url });
    await endpoint.getByText("referral.qualified").waitFor();
    expect(await page.content()).not.toContain(secret);

    await endpoint.getByRole("button", { name: "Send test" }).click();
    await endpoint.getByText("Test event queued.").waitFor();
    await endpoint.getByRole("button", { name: "Deliveries" }).click();
    const delivery = endpoint.getByRole("row").filter({ hasText: "webhook.test" });
    await eventually(async () => {
      await endpoint.getByRole("button", { name: "Refresh" }).click();
      return delivery.getByText("Delivered").count();
    }).toBe(1);
    await expectAccessible(page);
  });

  it("creates an API key, shows its secret once, and revokes it after a confirmation", async () => {
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin#api-keys", await adminSession());
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    await page.getByLabel("Key name").fill("Browser shop");
    await page.getByLabel("users").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByRole("region", { name: "Secret of the key Browser shop" });
    const secret = (await shown.getByTestId("secret").textContent()) ?? "";
    expect(secret).toMatch(/^rk_/);
    const asKey = { headers: { Authorization: `Bearer ${secret}` } };
    const lookup = "/v1/users?externalId=nobody";
    expect((await apiCall(server.url, "GET", lookup, asKey)).status).toBe(200);
    await expectAccessible(page);
    await shown.getByRole("button", { name: "I have saved it" }).click();
    expect(await page.content()).not.toContain(secret);

    const row = page.getByRole("row").filter({ hasText: "Browser shop" });
    await row.getByRole("button", { name: "Revoke Browser shop" }).click();
    await row.getByRole("button", { name: "Yes, revoke Browser shop" }).click();
    await row.getByText(/^Revoked /).waitFor();
    expect((await apiCall(server.url, "GET", lookup, asKey)).status).toBe(401);
    await expectAccessible(page);
  });

  it("ignores a token in its fragment, and one planted in the portal's", async () => {
    const { accessToken } = await adminSession();
    const context = await newContext();
    const consolePage = await context.newPage();
    await consolePage.goto(`/admin#token=${encodeURIComponent(accessToken)}`);
    await consolePage.getByRole("button", { name: "Log in" }).waitFor();

    const portal = await context.newPage();
    await portal.goto(`/portal#token=${encodeURIComponent(accessToken)}`);
    await portal.getByRole("button", { name: "Log in" }).waitFor();
    await consolePage.goto("/admin");
    await consolePage.getByRole("button", { name: "Log in" }).waitFor();
    expect(await consolePage.getByRole("heading", { name: "Analytics" }).count()).toBe(0);
  });

  it("tells a participant that the console is for admins", async () => {
    const member = await registerViaApi(server.url, { name: "Ali Raza" });
    const page = await (await newContext()).newPage();
    await logInThroughForm(page, "/admin", member);
    await page.getByText("This account is not an admin.").waitFor();
  });
});

describe("the API reference", () => {
  it("renders /docs from the Worker's own assets, asking no other origin", async () => {
    const page = await (await newContext()).newPage();
    const elsewhere: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.origin !== server.url && url.protocol !== "data:") elsewhere.push(request.url());
    });
    await page.goto("/docs");
    await page.getByText("Referral & rewards API").first().waitFor({ timeout: 30_000 });
    await screenshot(page, "docs");
    expect(elsewhere).toEqual([]);
  });
});
