// The portal's first load: the bytes of JS and CSS that /portal makes a browser fetch, raw and
// gzip, read from the built files (dist/web, `npm run web:build`), in each language: English
// ships with the page, Urdu and Hindi add their words' chunk (assets/ur-*.js, assets/hi-*.js).
// A cheap static measurement: `npm run bench` prints it, and the browser tests check it
// against the budget.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

export const PORTAL_GZIP_BUDGET = 60 * 1024;

export const LANGUAGES = ["en", "ur", "hi"];

export function pageFirstLoad(page = "portal", dir = "dist/web", language = "en") {
  const html = readFileSync(`${dir}/${page}.html`, "utf8");
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map(
    (match) => match[1],
  );
  if (language !== "en") {
    const words = readdirSync(`${dir}/assets`).find((name) =>
      new RegExp(`^${language}-[\\w-]+\\.js$`).test(name),
    );
    if (!words) throw new Error(`no chunk of ${language} words in ${dir}/assets`);
    files.push(`/assets/${words}`);
  }
  const assets = [...new Set(files)].map((path) => {
    const bytes = readFileSync(`${dir}${path}`);
    return { path, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const total = (kind) => {
    const mine = assets.filter((asset) => asset.path.endsWith(`.${kind}`));
    return {
      bytes: mine.reduce((sum, asset) => sum + asset.bytes, 0),
      gzip: mine.reduce((sum, asset) => sum + asset.gzip, 0),
    };
  };
  const js = total("js");
  const css = total("css");
  return { page, language, assets, js, css, gzip: js.gzip + css.gzip };
}

export function printFirstLoad(load) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`\n/${load.page} first load in ${load.language} (built files):\n`);
  console.log("| | raw | gzip |");
  console.log("|---|---|---|");
  console.log(`| JS | ${kb(load.js.bytes)} | ${kb(load.js.gzip)} |`);
  console.log(`| CSS | ${kb(load.css.bytes)} | ${kb(load.css.gzip)} |`);
  console.log(
    `| total | ${kb(load.js.bytes + load.css.bytes)} | ${kb(load.gzip)} (budget ${kb(PORTAL_GZIP_BUDGET)}) |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const language of LANGUAGES) printFirstLoad(pageFirstLoad("portal", "dist/web", language));
}
