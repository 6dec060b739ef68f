// `/docs` is Scalar's API reference served from the Worker's own assets, never from a CDN: a
// page that works offline, and code on the operator's origin that is exactly the version
// pinned here. This copies the npm package's standalone bundle into dist/web (after
// `vite build`), fetching the package tarball once into .cache/ and checking its integrity.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

const VERSION = "1.76.0";
const INTEGRITY =
  "sha512-pjqwnzmA9YK3ZX+IZSICMsywm4qI6HLSngR2py9H6TvFApHHuJjkTAd+gFJfnqJDzJuro8k7ji6JCtJ2U+Byng==";
const cache = `.cache/scalar-${VERSION}`;
const bundle = `${cache}/package/dist/browser/standalone.js`;
// The file name carries the version: a new version is a new URL, never a stale cache.
const target = `dist/web/assets/scalar/api-reference-${VERSION}.js`;

if (!existsSync(bundle)) {
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const packed = execFileSync(
    "npm",
    ["pack", `@scalar/api-reference@${VERSION}`, "--pack-destination", cache, "--silent"],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .at(-1);
  const tarball = `${cache}/${packed}`;
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== INTEGRITY) {
    rmSync(cache, { recursive: true, force: true });
    throw new Error(`@scalar/api-reference ${VERSION}: integrity ${digest} is not the pinned one`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", cache, "package/dist/browser/standalone.js"]);
}
mkdirSync("dist/web/assets/scalar", { recursive: true });
copyFileSync(bundle, target);
console.log(`/docs: Scalar ${VERSION} from ${bundle}`);
