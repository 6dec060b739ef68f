// Local dev needs no manual step: this writes .dev.vars with fresh random secrets, and adds
// any secret a newer version needs to an existing one (values already there are kept).
// Production secrets come from `wrangler secret put` (`npm run deploy` does it).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { REQUIRED_SECRETS, randomSecret } from "./lib/secrets.mjs";

const file = new URL("../.dev.vars", import.meta.url);

if (!existsSync(file)) {
  writeFileSync(file, "# Made by `npm run setup` for local development only. Never commit.\n");
}
const present = new Set(
  readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.split("=")[0]?.trim()),
);
const missing = REQUIRED_SECRETS.filter((name) => !present.has(name));
appendFileSync(file, missing.map((name) => `${name}=${randomSecret()}\n`).join(""));
console.log(
  missing.length ? `.dev.vars: added ${missing.join(", ")}.` : ".dev.vars has every local secret.",
);
