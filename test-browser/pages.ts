/** What the browser test files share: a watched browser profile, axe, the SMS a server sent. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { expect } from "vitest";
import type { TestServer } from "./server";

/** expect.poll with time for a loaded machine (the default gives up after one second). */
export const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

export const PHONE_VIEWPORT = { width: 360, height: 740 };

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/**
 * Fresh browser profiles whose pages report every error (an uncaught one, a CSP refusal);
 * `closeAll()` closes them and answers what they reported.
 */
export function browserProfiles(target: () => { server: TestServer; browser: Browser }) {
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      // The browser logs every 4xx it fetched; the tests provoke some (insufficient points).
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        problems.push(`${page.url()}: ${message.text()}`);
      }
    });
  };
  return {
    async newContext(
      options: { viewport?: { width: number; height: number }; locale?: string } = {},
    ) {
      const { server, browser } = target();
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: options.viewport ?? { width: 1200, height: 900 },
        ...(options.locale ? { locale: options.locale } : {}),
      });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
      context.on("page", watch);
      contexts.push(context);
      return context;
    },
    async closeAll(): Promise<string[]> {
      for (const context of contexts.splice(0)) await context.close();
      return problems.splice(0);
    },
  };
}

/** Axe on a page, or on one frame of it (the embedded portal, not the shop around it). */
export async function expectAccessible(page: Page | Frame) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run: () => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
        };
      }
    ).axe.run();
    return result.violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => `${violation.id} (${violation.impact}, ${violation.nodes.length} nodes)`);
  });
  expect(violations).toEqual([]);
}

/** The page is no wider than its viewport: nothing scrolls sideways. */
export async function expectNoHorizontalScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    scroll: (document.scrollingElement ?? document.documentElement).scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
}

export async function logInThroughForm(
  page: Page,
  path: string,
  user: { phone: string; password: string },
  words: { phone: string; password: string; logIn: string } = {
    phone: "Phone",
    password: "Password",
    logIn: "Log in",
  },
) {
  await page.goto(path);
  await page.getByLabel(words.phone, { exact: true }).fill(user.phone);
  await page.getByLabel(words.password, { exact: true }).fill(user.password);
  await page.getByRole("button", { name: words.logIn, exact: true }).click();
}

/**
 * The newest code the server texted to `phone`: in development the log sender prints each SMS
 * as `[purpose] sms to <phone>: <text>` (sent after the response, so it is waited for).
 */
export async function smsCode(server: TestServer, phone: string, after = 0): Promise<string> {
  let code: string | undefined;
  await eventually(() => {
    const lines = server
      .log()
      .split("\n")
      .filter((line) => line.includes(`sms to ${phone}:`));
    code = lines
      .slice(after)
      .at(-1)
      ?.match(/:\s.*?\b(\d{6})\b/)?.[1];
    return code !== undefined;
  }).toBe(true);
  return code as string;
}

/** How many SMS the server texted to `phone` so far. */
export const smsCount = (server: TestServer, phone: string) =>
  server
    .log()
    .split("\n")
    .filter((line) => line.includes(`sms to ${phone}:`)).length;
