// Local dev needs no manual step: this writes .dev.vars with fresh random secrets the first
// time, and leaves an existing one alone. Production secrets come from `wrangler secret put`.
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
if (existsSync(file)) {
  console.log(".dev.vars exists; keeping it.");
} else {
  const secret = () => randomBytes(32).toString("base64url");
  writeFileSync(
    file,
    [
      "# Made by `npm run setup` for local development only. Never commit.",
      `ACCESS_TOKEN_SECRET=${secret()}`,
      `EVENTS_API_KEY=${secret()}`,
      `IP_HASH_SALT=${secret()}`,
      "",
    ].join("\n"),
  );
  console.log("Wrote .dev.vars with random local secrets.");
}
