// The Worker in local workerd (`wrangler dev`) on a local D1 of its own, for the benchmarks.
import { spawn, spawnSync } from "node:child_process";

/** Runs `npx wrangler …`, its errors on this terminal; throws when it fails. */
export function wrangler(args) {
  const result = spawnSync("npx", ["wrangler", ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed`);
}

/**
 * `wrangler dev` on 127.0.0.1:`port` with the local state in `stateDir` and `vars`;
 * `stdout` is where its output goes ("ignore", or a file descriptor: the log sender's SMS
 * lines are read from there).
 */
export function startWorker({ port, stateDir, vars, stdout = "ignore" }) {
  const base = `http://127.0.0.1:${port}`;
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1"];
  args.push("--persist-to", stateDir, "--log-level", stdout === "ignore" ? "error" : "log");
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn("npx", args, { stdio: ["ignore", stdout, "inherit"], detached: true });
  return {
    base,
    async ready() {
      for (let i = 0; i < 120; i++) {
        try {
          if ((await fetch(`${base}/health`)).ok) return;
        } catch {}
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error("wrangler dev did not start");
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    },
  };
}
