// `npm run dev [-- wrangler dev flags…]`: local secrets, local migrations, then `wrangler dev`.
// Flags pass through to wrangler. `--ip` and `--port` have defaults (127.0.0.1:8787) that a
// flag replaces rather than repeats, and a port of your own also moves PUBLIC_BASE_URL so that
// referral links point at the server you started. Once it answers, the useful URLs are printed.
import { spawn, spawnSync } from "node:child_process";

const args = process.argv.slice(2);

/** Removes `--name value` / `--name=value` (and the short alias) from args; returns the value. */
function takeFlag(names) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    for (const name of names) {
      if (arg === name && i + 1 < args.length) return args.splice(i, 2)[1];
      if (arg.startsWith(`${name}=`)) return args.splice(i, 1)[0].slice(name.length + 1);
    }
  }
  return undefined;
}

const ip = takeFlag(["--ip"]) ?? "127.0.0.1";
const port = takeFlag(["--port", "-p"]) ?? "8787";
if (!/^\d{1,5}$/.test(port)) {
  console.error(`dev: --port expects a number, got "${port}"`);
  process.exit(2);
}
const host = ip === "0.0.0.0" || ip === "::" ? "127.0.0.1" : ip;
const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
const setsBaseUrl = args.some((arg, i) =>
  (arg === "--var" ? (args[i + 1] ?? "") : arg)
    .replace(/^--var=/, "")
    .startsWith("PUBLIC_BASE_URL:"),
);

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run("node", ["scripts/dev-setup.mjs"]);
// The portal and admin pages are static assets: built before the Worker serves them.
run("npm", ["run", "web:build"]);
run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"]);

// `--test-scheduled` lets the cron below reach the Worker's scheduled handler.
const wranglerArgs = ["wrangler", "dev", "--ip", ip, "--port", port, "--test-scheduled", ...args];
if (!setsBaseUrl && port !== "8787") wranglerArgs.push("--var", `PUBLIC_BASE_URL:${origin}`);
const server = spawn("npx", wranglerArgs, { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));

// Print the URLs once /health answers (wrangler's own banner scrolls away in its output).
const deadline = Date.now() + 120_000;
async function announce() {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${origin}/health`)).ok) {
        console.log(
          [
            `\nServing ${origin}`,
            `  Portal         ${origin}/portal`,
            `  Admin console  ${origin}/admin`,
            `  API reference  ${origin}/docs`,
            `  OpenAPI        ${origin}/openapi.json\n`,
          ].join("\n"),
        );
        runCrons();
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
announce();

/**
 * `wrangler dev` never fires the Worker's crons by itself, so locally nothing the crons send
 * (queued notifications and invite retries, every minute; points expiry and its notices, at
 * minute 17) would ever go out. Fire them as production does (wrangler.toml's `crons`).
 */
function runCrons() {
  const fire = (cron) =>
    fetch(`${origin}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => {
      // The server is restarting or gone: the next minute tries again.
    });
  setInterval(() => {
    fire("* * * * *");
    if (new Date().getUTCMinutes() === 17) fire("17 * * * *");
  }, 60_000).unref();
}
