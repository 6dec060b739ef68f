/**
 * What a person sets once and finds everywhere, in a real Chromium against a real local
 * server: the language saved on the account (a fresh browser opens in it), notifications on
 * and off, the share text an admin worded, and the console's Messages page that words it.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { en } from "../web/src/shared/i18n/en";
import { hi } from "../web/src/shared/i18n/hi";
import { ur } from "../web/src/shared/i18n/ur";
import { type ApiUser, apiCall, embedTokenFor, registerViaApi, uniquePhone } from "./api";
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
let shop: Server;
let shopOrigin: string;
const profiles = browserProfiles(() => ({ server, browser }));

beforeAll(async () => {
  // A shop's page that frames the portal with an embed token, as docs/web.md shows.
  shop = createServer((request, response) => {
    const token = new URL(request.url ?? "/", shopOrigin).searchParams.get("token") ?? "";
    response.setHeader("Content-Type", "text/html");
    response.end(
      `<!doctype html><title>Shop</title><iframe title="Rewards" width="360" height="900" src="${server.url}/portal#token=${encodeURIComponent(token)}"></iframe>`,
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => shop.listen(port, "127.0.0.1", resolve));
  shopOrigin = `http://127.0.0.1:${port}`;
  server = await startServer({ frameAncestors: ["'self'", shopOrigin] });
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

let admin: ApiUser | null = null;
async function adminSession() {
  admin ??= await registerViaApi(server.url, { name: "Admin User", phone: server.adminPhone });
  return admin;
}

const me = async (token: string) =>
  (
    await apiCall<{ locale: string; notifications: boolean }>(server.url, "GET", "/v1/me", {
      token,
    })
  ).body;

const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang);

/** The text of a share link (WhatsApp's `?text=`), decoded. */
async function whatsappText(page: Page): Promise<string> {
  // Found by where it goes: its name is in the page's language.
  const href = await page.locator('a[href^="https://wa.me/"]').getAttribute("href");
  return decodeURIComponent(new URL(href ?? "").searchParams.get("text") ?? "");
}

describe("the language saved on the account", () => {
  it("a language chosen in the portal is the account's: a fresh browser opens in it, ?lang= still wins", async () => {
    const member = await registerViaApi(server.url, { name: "Kamran Ali" });
    expect((await me(member.accessToken)).locale).toBe("en");
    const first = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(first, "/portal", member);
    await first.getByRole("heading", { name: "Hi, Kamran Ali" }).waitFor();
    await first.getByLabel("Language").selectOption("ur");
    await first.getByRole("heading", { name: /^سلام، .?Kamran Ali.?$/ }).waitFor();
    await eventually(async () => (await me(member.accessToken)).locale).toBe("ur");

    // Another browser, whose own languages are English: the account's language wins.
    const fresh = await (await profiles.newContext({ locale: "en-US" })).newPage();
    await logInThroughForm(fresh, "/portal", member);
    await fresh.getByRole("heading", { name: /^سلام، .?Kamran Ali.?$/ }).waitFor();
    expect(await htmlLang(fresh)).toBe("ur");
    await fresh.reload();
    await fresh.getByRole("heading", { name: /^سلام، .?Kamran Ali.?$/ }).waitFor();
    // A link that names a language shows it, and does not change the account's.
    await fresh.goto("/portal?lang=hi");
    await fresh.getByRole("heading", { name: "नमस्ते, Kamran Ali" }).waitFor();
    expect((await me(member.accessToken)).locale).toBe("ur");
  });

  it("a language chosen before logging in is saved on the account at log-in", async () => {
    const member = await registerViaApi(server.url, { name: "Sadia Noor" });
    const page = await (await profiles.newContext()).newPage();
    await page.goto("/portal");
    await page.getByLabel("Language").selectOption("hi");
    await page.getByLabel(hi.phone, { exact: true }).fill(member.phone);
    await page.getByLabel(hi.password, { exact: true }).fill(member.password);
    await page.getByRole("button", { name: hi.logIn, exact: true }).click();
    await page.getByRole("heading", { name: "नमस्ते, Sadia Noor" }).waitFor();
    await eventually(async () => (await me(member.accessToken)).locale).toBe("hi");
  });

  it("signing up on a Hindi page makes a Hindi account, whatever the browser's languages", async () => {
    const phone = uniquePhone();
    const page = await (await profiles.newContext({ locale: "en-US" })).newPage();
    await page.goto("/portal?lang=hi&ref=");
    await page.getByLabel(hi.name, { exact: true }).fill("Vikram Singh");
    await page.getByLabel(hi.phone, { exact: true }).fill(phone);
    await page.getByLabel(hi.password, { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: hi.createAccount, exact: true }).click();
    await page.getByRole("heading", { name: "नमस्ते, Vikram Singh" }).waitFor();
    const login = await apiCall<{ accessToken: string }>(server.url, "POST", "/v1/auth/login", {
      body: { phone, password: "correct horse battery" },
    });
    expect((await me(login.body.accessToken)).locale).toBe("hi");
  });
});

describe("notifications on and off", () => {
  it("the account's switch says its state and turns notifications off and on again", async () => {
    const member = await registerViaApi(server.url, { name: "Tariq Mehmood" });
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(page, "/portal", member);
    const account = page.getByRole("region", { name: en.accountTitle });
    const toggle = account.getByRole("switch", { name: en.notificationsSwitch });
    await toggle.waitFor();
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    expect(await toggle.textContent()).toContain(en.switchOn);

    await toggle.click();
    await account.getByText(en.notificationsOff).waitFor();
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    expect(await toggle.textContent()).toContain(en.switchOff);
    expect((await me(member.accessToken)).notifications).toBe(false);
    await expectAccessible(page);

    await page.reload();
    await eventually(() => toggle.getAttribute("aria-checked")).toBe("false");
    await toggle.click();
    await account.getByText(en.notificationsOn).waitFor();
    expect((await me(member.accessToken)).notifications).toBe(true);
    await expectNoHorizontalScroll(page);
  });

  it("works in a shop's frame too, in Urdu", async () => {
    const member = await registerViaApi(server.url, { name: "Nida Aslam" });
    const token = await embedTokenFor(server.url, (await adminSession()).accessToken, member.id);
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await page.goto(`${shopOrigin}/?token=${encodeURIComponent(token)}`);
    const frame = page.frameLocator("iframe");
    await frame.getByLabel("Language").selectOption("ur");
    const toggle = frame.getByRole("switch", { name: ur.notificationsSwitch });
    await toggle.click();
    await frame.getByText(ur.notificationsOff).waitFor();
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    expect(await me(member.accessToken)).toMatchObject({ notifications: false, locale: "ur" });
  });
});

describe("the share text", () => {
  it("is the program's share_text as the admin worded it, in the user's language, with the link of each channel", async () => {
    const { accessToken } = await adminSession();
    const put = await apiCall(server.url, "PUT", "/v1/admin/messages/share_text/en", {
      token: accessToken,
      body: { text: "Shop with me, from {name}: {link}" },
    });
    expect(put.status).toBe(200);
    try {
      const member = await registerViaApi(server.url, { name: "Rehan Qazi" });
      const page = await (await profiles.newContext()).newPage();
      await logInThroughForm(page, "/portal", member);
      const link = member.referralLink;
      await eventually(() => whatsappText(page)).toBe(
        `Shop with me, from Rehan Q.: ${link}?src=whatsapp`,
      );
      const sms = await page.getByRole("link", { name: en.sms, exact: true }).getAttribute("href");
      expect(decodeURIComponent(sms ?? "")).toContain(
        `Shop with me, from Rehan Q.: ${link}?src=sms`,
      );
      // In Urdu, the Urdu text (the default: the admin reworded only the English one).
      await page.getByLabel("Language").selectOption("ur");
      await eventually(() => whatsappText(page)).toMatch(
        new RegExp(`^[\\u0600-\\u06FF].*${link.replace(/[.?]/g, "\\$&")}\\?src=whatsapp`),
      );
    } finally {
      await apiCall(server.url, "DELETE", "/v1/admin/messages/share_text/en", {
        token: accessToken,
      });
    }
  });
});

describe("the console's Messages page", () => {
  it("edits and previews a text in Urdu, refuses a foreign link at the field, restores the default", async () => {
    const me_ = await adminSession();
    const page = await (await profiles.newContext({ viewport: PHONE_VIEWPORT })).newPage();
    await logInThroughForm(page, "/admin#messages", me_);
    await page.getByRole("heading", { level: 1, name: en.messagesTitle }).waitFor();
    await page.getByRole("button", { name: "اردو" }).click();
    const card = page.getByRole("region", { name: en.messageKind_friend_joined });
    const field = card.getByLabel("Text in اردو");
    await eventually(() => field.getAttribute("dir")).toBe("rtl");

    await field.fill("{name} آپ کے لنک سے شامل ہو گئے!");
    const preview = card.getByTestId("preview-friend_joined");
    await eventually(() => preview.textContent()).toBe(
      "\u2068عائشہ خ.\u2069 آپ کے لنک سے شامل ہو گئے!",
    );
    expect(await preview.getAttribute("dir")).toBe("rtl");
    await card.getByRole("button", { name: en.save }).click();
    await card.getByText(en.messageSaved).waitFor();
    await card.getByText(en.messageCustom, { exact: true }).waitFor();
    const texts = async () =>
      (
        await apiCall<{ data: { kind: string; locale: string; text: string; custom: boolean }[] }>(
          server.url,
          "GET",
          "/v1/admin/messages",
          { token: me_.accessToken },
        )
      ).body.data.find((text) => text.kind === "friend_joined" && text.locale === "ur");
    expect(await texts()).toMatchObject({ text: "{name} آپ کے لنک سے شامل ہو گئے!", custom: true });

    // A foreign link: refused, the reason next to the field, nothing changed.
    await field.fill("{name} شامل ہو گئے، دیکھیں evil.com");
    await card.getByRole("button", { name: en.save }).click();
    const reason = en.messageProblemLink;
    await card.getByText(reason).waitFor();
    const described = await field.getAttribute("aria-describedby");
    expect(await page.locator(`[id="${described}"]`).textContent()).toBe(reason);
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect((await texts())?.text).toBe("{name} آپ کے لنک سے شامل ہو گئے!");
    // A placeholder the kind does not take.
    await field.fill("{name} {points}");
    await card.getByRole("button", { name: en.save }).click();
    await card.getByText("Unknown placeholder {points}: this text takes {name}.").waitFor();
    await expectNoHorizontalScroll(page);

    // Restore the default, after a confirmation.
    await card.getByRole("button", { name: en.messageRestore }).click();
    await card.getByRole("button", { name: en.messageRestoreYes }).click();
    await card.getByText(en.messageRestored).waitFor();
    await card.getByText(en.messageDefault, { exact: true }).waitFor();
    expect(await texts()).toMatchObject({ custom: false });
    await eventually(() => field.inputValue()).toBe((await texts())?.text);
  });

  it("says why a text is refused in the console's own language", async () => {
    const me_ = await adminSession();
    const page = await (await profiles.newContext()).newPage();
    await logInThroughForm(page, "/admin#messages", me_);
    await page.getByRole("heading", { level: 1, name: en.messagesTitle }).waitFor();
    await page.goto("/admin?lang=ur#messages");
    await page.getByRole("heading", { level: 1, name: ur.messagesTitle }).waitFor();
    const card = page.getByRole("region", { name: ur.messageKind_share_text });
    // The language's name is isolated inside the Urdu label (FSI…PDI).
    await card.getByLabel(/میں متن$/).fill("{name} {link} www.evil.com");
    await card.getByRole("button", { name: ur.save }).click();
    await card.getByText(/یہاں ویب ایڈریس نہیں لکھ سکتے/).waitFor();
  });

  for (const lang of ["en", "ur", "hi"] as const) {
    it(`is accessible in ${lang}`, async () => {
      const me_ = await adminSession();
      const page = await (await profiles.newContext()).newPage();
      await logInThroughForm(page, "/admin", me_);
      await page.locator("nav.tabs").waitFor();
      await page.goto(`/admin?lang=${lang}#messages`);
      const words = { en, ur, hi }[lang];
      await page.getByRole("heading", { level: 1, name: words.messagesTitle }).waitFor();
      await page.getByRole("region", { name: words.messageKind_share_text }).waitFor();
      expect(await htmlLang(page)).toBe(lang);
      await expectAccessible(page);
    });
  }
});
