// `npm run deploy`: puts this Worker on your own Cloudflare account, and is safe to run again.
//   1. creates the D1 database and the KV namespace while wrangler.toml still has placeholder
//      ids, and writes the real ids into wrangler.toml (commit them); turns D1 read replication on;
//   2. creates the queues wrangler.toml names (if any) that do not exist yet;
//   3. generates and uploads every missing secret (`wrangler secret put`, value on stdin);
//   4. applies the D1 migrations remotely, then deploys.
// `npm run deploy -- --var PUBLIC_BASE_URL:https://… --var SIGNUP_URL:https://…` passes its
// flags to `wrangler deploy`.
// `npm run deploy -- --location apac` creates the database's primary in that region (a D1
// location hint: wnam, enam, weur, eeur, apac, oc); every deploy turns D1 read replication on.
// `npm run deploy -- --dry-run` prints what it would do to the database, then only bundles
// (`wrangler deploy --dry-run --outdir`) and reports the gzip size against the Workers size
// limits; it needs no account (CI runs it).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  authHeaders,
  createDatabaseArgs,
  databaseOf,
  databasePlan,
  PLACEHOLDER_D1,
  parseDeployArgs,
  readReplicationRequest,
} from "./lib/deploy-options.mjs";
import { REQUIRED_SECRETS, randomSecret } from "./lib/secrets.mjs";

const CONFIG = new URL("../wrangler.toml", import.meta.url);
const DRY_RUN_DIR = ".deploy-dry-run";
const FREE_PLAN_LIMIT = 3 * 1024 * 1024;
const PAID_PLAN_LIMIT = 10 * 1024 * 1024;
const PLACEHOLDER_KV = "00000000000000000000000000000000";

function wrangler(args, { input, allowFailure = false } = {}) {
  const result = spawnSync("npx", ["wrangler", ...args], {
    input,
    encoding: "utf8",
    stdio: [input === undefined ? "inherit" : "pipe", "pipe", "pipe"],
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0 && !allowFailure) {
    process.stderr.write(output);
    throw new Error(`wrangler ${args.join(" ")} failed`);
  }
  return { ok: result.status === 0, output };
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function dryRun() {
  wrangler(["deploy", "--dry-run", "--outdir", DRY_RUN_DIR]);
  const code = walk(DRY_RUN_DIR).filter((path) => /\.(m?js|wasm)$/.test(path));
  const raw = code.reduce((sum, path) => sum + statSync(path).size, 0);
  const gzip = code.reduce((sum, path) => sum + gzipSync(readFileSync(path)).length, 0);
  console.log(
    `Bundle: ${kib(raw)} raw, ${kib(gzip)} gzip — ${((gzip / FREE_PLAN_LIMIT) * 100).toFixed(1)}% of the Free plan's 3 MB (gzip) limit, ${((gzip / PAID_PLAN_LIMIT) * 100).toFixed(1)}% of the Paid plan's 10 MB.`,
  );
  if (gzip > FREE_PLAN_LIMIT) {
    console.error("The bundle is over the Free plan's size limit.");
    process.exit(1);
  }
}

/** Replaces a placeholder id in wrangler.toml with a real one. */
function writeId(placeholder, id) {
  const text = readFileSync(CONFIG, "utf8");
  writeFileSync(CONFIG, text.replace(placeholder, id));
}

/** The JSON a `wrangler … --json` command printed (after any warnings). */
const jsonOf = (output) => JSON.parse(output.slice(output.search(/[[{]/)));

/** The database's id: the one in wrangler.toml, or the one it creates (in `location`). */
function ensureDatabase(config, location) {
  const { name, id: known } = databaseOf(config);
  if (known) {
    console.log("D1: wrangler.toml has its id.");
    return known;
  }
  const created = wrangler(createDatabaseArgs(name, location), { allowFailure: true });
  let id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(
    created.output,
  )?.[0];
  if (!created.ok || !id) {
    // It exists already (an earlier run stopped before writing the id): find it by name.
    const list = JSON.parse(wrangler(["d1", "list", "--json"]).output);
    id = list.find((db) => db.name === name)?.uuid;
  }
  if (!id) throw new Error(`Could not create or find the D1 database "${name}".`);
  writeId(PLACEHOLDER_D1, id);
  console.log(`D1: ${name} = ${id} (written to wrangler.toml)`);
  return id;
}

/** The account to call the API for: CLOUDFLARE_ACCOUNT_ID, or the login's only account. */
function accountId() {
  if (process.env.CLOUDFLARE_ACCOUNT_ID) return process.env.CLOUDFLARE_ACCOUNT_ID;
  const accounts = jsonOf(wrangler(["whoami", "--json"]).output).accounts ?? [];
  if (accounts.length !== 1) {
    throw new Error(
      `This login has ${accounts.length} accounts: set CLOUDFLARE_ACCOUNT_ID to the one to deploy to.`,
    );
  }
  return accounts[0].id;
}

/**
 * Turns D1 read replication on (wrangler has no command for it: the API call, with wrangler's
 * own credentials). Reads then go to the nearest replica; the Worker already runs every
 * request in a D1 session, so a client that sends its bookmark back reads its own writes.
 */
async function enableReadReplication(databaseId) {
  const request = readReplicationRequest(accountId(), databaseId);
  const credentials = jsonOf(wrangler(["auth", "token", "--json"]).output);
  const response = await fetch(request.url, {
    method: request.method,
    headers: { "Content-Type": "application/json", ...authHeaders(credentials) },
    body: JSON.stringify(request.body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok || !answer?.success) {
    throw new Error(
      `D1 read replication could not be turned on (${response.status}: ${JSON.stringify(answer?.errors ?? answer)}).` +
        ` Turn it on in the dashboard (D1 → ${databaseId} → Settings) or run ${request.method} ${request.url} with ${JSON.stringify(request.body)}.`,
    );
  }
  console.log(`D1 read replication: ${answer.result?.read_replication?.mode ?? "auto"}.`);
}

function ensureKvNamespace(config) {
  if (!config.includes(PLACEHOLDER_KV)) return console.log("KV: wrangler.toml has its id.");
  const title = "edge-referrals-kv";
  const created = wrangler(["kv", "namespace", "create", title], { allowFailure: true });
  let id = /\b[0-9a-f]{32}\b/i.exec(created.output)?.[0];
  if (!created.ok || !id) {
    const list = JSON.parse(wrangler(["kv", "namespace", "list"]).output);
    id = list.find((ns) => ns.title === title || ns.title.endsWith(`-${title}`))?.id;
  }
  if (!id) throw new Error(`Could not create or find the KV namespace "${title}".`);
  writeId(PLACEHOLDER_KV, id);
  console.log(`KV: ${title} = ${id} (written to wrangler.toml)`);
}

function ensureQueues(config) {
  const names = new Set(
    [...config.matchAll(/^\s*(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)].map((m) => m[1]),
  );
  if (names.size === 0) return;
  const existing = wrangler(["queues", "list"]).output;
  for (const name of names) {
    if (new RegExp(`\\b${name}\\b`).test(existing)) {
      console.log(`Queue ${name}: exists.`);
    } else {
      wrangler(["queues", "create", name]);
      console.log(`Queue ${name}: created.`);
    }
  }
}

/** The value a `--var NAME:value` among the deploy flags gives, or wrangler.toml's. */
function settingOf(name, config, flags) {
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] === "--var" ? flags[i + 1] : flags[i].replace(/^--var=/, "");
    if (flag?.startsWith(`${name}:`)) return flag.slice(name.length + 1);
  }
  return new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(config)?.[1] ?? "";
}

/**
 * The secrets the chosen invite sender needs. The API refuses to serve in production while
 * invites (and one-time codes) would only reach the log, so that is refused here first.
 */
function senderSecrets(config, flags) {
  const sender = settingOf("INVITE_SENDER", config, flags) || "log";
  if (sender === "webhook") return { generated: ["INVITE_WEBHOOK_SECRET"], external: [] };
  if (sender === "providers") {
    return { generated: [], external: ["TWILIO_AUTH_TOKEN", "RESEND_API_KEY"] };
  }
  console.error(
    "INVITE_SENDER is `log`: in production invites and SMS codes would go nowhere, and the API\n" +
      "answers 503. Pass --var INVITE_SENDER:webhook --var INVITE_WEBHOOK_URL:https://… (or\n" +
      "providers, with TWILIO_* and EMAIL_FROM vars and their secrets).",
  );
  process.exit(1);
}

function ensureSecrets(sender) {
  const listed = wrangler(["secret", "list", "--format", "json"], { allowFailure: true });
  const present = new Set(
    listed.ok ? JSON.parse(listed.output.slice(listed.output.indexOf("["))).map((s) => s.name) : [],
  );
  for (const name of sender.external) {
    if (!present.has(name)) {
      console.error(
        `Secret ${name} is missing: npx wrangler secret put ${name} (from your provider).`,
      );
      process.exit(1);
    }
  }
  for (const name of sender.generated) {
    if (present.has(name)) continue;
    const value = randomSecret();
    wrangler(["secret", "put", name], { input: value });
    console.log(`Secret ${name}: generated and uploaded. Give it to your receiver: ${value}`);
  }
  for (const name of REQUIRED_SECRETS) {
    if (present.has(name)) {
      console.log(`Secret ${name}: set.`);
      continue;
    }
    wrangler(["secret", "put", name], { input: randomSecret() });
    console.log(`Secret ${name}: generated and uploaded.`);
  }
}

let options;
try {
  options = parseDeployArgs(process.argv.slice(2));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

if (options.dryRun) {
  for (const line of databasePlan(readFileSync(CONFIG, "utf8"), options)) {
    console.log(`Would do — ${line}`);
  }
  dryRun();
} else {
  console.log(
    [
      "Deploying edge-referrals to your Cloudflare account.",
      "Plan: Workers Paid. Signup and login hash passwords with bcrypt (cost 10 is ~80 ms of CPU),",
      "and the Free plan allows 10 ms of CPU per request, so they would fail there.",
      "",
    ].join("\n"),
  );
  if (
    !wrangler(["whoami"], { allowFailure: true }).output.match(
      /associated with the email|Account ID/i,
    )
  ) {
    console.error("Not logged in: run `npx wrangler login` first.");
    process.exit(1);
  }
  const config = readFileSync(CONFIG, "utf8");
  // Anything after `--` but --location goes to `wrangler deploy`, e.g. `--var PUBLIC_BASE_URL:https://…`.
  const extra = options.wranglerFlags;
  const sender = senderSecrets(config, extra);
  for (const line of databasePlan(config, options)) console.log(line);
  const databaseId = ensureDatabase(config, options.location);
  await enableReadReplication(databaseId);
  ensureKvNamespace(config);
  ensureQueues(config);
  ensureSecrets(sender);
  wrangler(["d1", "migrations", "apply", "DB", "--remote"], { input: "y\n" });
  console.log("Migrations applied.");
  const deployed = wrangler(["deploy", "--var", "ENVIRONMENT:production", ...extra]);
  console.log(deployed.output.trim());
  console.log(
    "\nDone. Set PUBLIC_BASE_URL, SIGNUP_URL and CORS_ORIGINS for your domains in wrangler.toml [vars] and run again.",
  );
}
