/**
 * A real local server for the browser tests: `wrangler dev` on a free port, with its own fresh
 * state folder (migrations applied) and its own random secrets, stopped when the tests end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The ports this project's browser tests may use; the first free one is taken. */
const PORTS = [8816, 8817, 8818, 8819];

export async function freePort(exclude: number[] = []): Promise<number> {
  for (const port of PORTS.filter((candidate) => !exclude.includes(candidate))) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once("error", () => resolve(false))
        .listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`none of the ports ${PORTS.join(", ")} is free`);
}

function run(command: string, args: string[], log: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}`)),
    );
  });
}

export interface TestServer {
  url: string;
  /** Everything the server logged so far (in development, every SMS it "sent"). */
  log(): string;
  adminPhone: string;
  eventsApiKey: string;
  stop(): Promise<void>;
}

export async function startServer(options: {
  frameAncestors: string[];
  /** More settings (TURNSTILE_SITE_KEY…), over the defaults below. */
  vars?: Record<string, string>;
}): Promise<TestServer> {
  const port = await freePort();
  const inspectorPort = await freePort([port]);
  const url = `http://127.0.0.1:${port}`;
  const state = mkdtempSync(join(tmpdir(), "edge-referrals-browser-"));
  mkdirSync(".test-results", { recursive: true });
  // One log per server: a file's tests read the SMS codes their server printed.
  const logPath = `.test-results/wrangler-browser-${port}.log`;
  const log = createWriteStream(logPath);
  const readLog = () => readFileSync(logPath, "utf8");
  const wrangler = "node_modules/.bin/wrangler";
  await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], log);

  const adminPhone = "+923009990001";
  const secret = () => randomBytes(32).toString("base64url");
  const eventsApiKey = secret();
  const vars = {
    ENVIRONMENT: "development",
    PUBLIC_BASE_URL: url,
    SIGNUP_URL: `${url}/portal`,
    ADMIN_PHONES: adminPhone,
    PORTAL_FRAME_ANCESTORS: options.frameAncestors.join(" "),
    INVITE_SENDER: "log",
    ACCESS_TOKEN_SECRET: secret(),
    EVENTS_API_KEY: eventsApiKey,
    IP_HASH_SALT: secret(),
    ...options.vars,
  };
  const child: ChildProcess = spawn(
    wrangler,
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  // Stopped even when the tests give up before stop() is reachable (a hook timeout).
  const killGroup = () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  };
  process.once("exit", killGroup);

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }
    rmSync(state, { recursive: true, force: true });
  };

  // A cold start on a busy machine (CI shares its cores) can take minutes.
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { url, adminPhone, eventsApiKey, log: readLog, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`wrangler dev did not start; see ${logPath}`);
}
