import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where a Chromium may be on this machine (scripts/ensure-chromium.sh installs Debian's). */
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/lib/chromium/chromium",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

export function chromiumPath(): string {
  const found = CANDIDATES.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error("No Chromium found: run scripts/ensure-chromium.sh or set CHROMIUM_PATH.");
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  // As root (CI here), Chromium's sandbox cannot start; the pages tested are our own.
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}
