// `npm run bench`: starts the Worker in local workerd (wrangler dev) on a fresh local D1,
// seeds it, and measures, in one run, the routes that matter next to a bare /health.
// Rows read/written come from D1's own `meta` (X-D1-Rows, BENCH_METRICS=1); the password
// hash time from Server-Timing. Results: a table on stdout and .bench/results.json.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import bcrypt from "bcryptjs";

const PORT = 8790;
const BASE = `http://127.0.0.1:${PORT}`;
const STATE = ".bench/state";
const PASSWORD = "bench password 1";
const BIG = 1000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const wrangler = (args, options = {}) =>
  spawnSync("npx", ["wrangler", ...args], { stdio: "inherit", ...options });

function code(i) {
  let out = "";
  for (let n = i, k = 0; k < 7; k++, n = Math.floor(n / 31)) out = ALPHABET[n % 31] + out;
  return `B${out}`;
}

/**
 * Two referrers written straight into local D1 (the triggers keep wallets and counters):
 * one with BIG referrals and one with a single referral.
 */
function seedSql(passwordHash) {
  const now = Date.now();
  const lines = [];
  const q = (v) => (v === null ? "null" : typeof v === "number" ? String(v) : `'${v}'`);
  let userNo = 0;
  let ledgerNo = 0;
  const addUser = (name, phone, referrer) => {
    userNo += 1;
    const id = `usr_bench${String(userNo).padStart(7, "0")}`;
    lines.push(
      `insert into users (id,name,phone,password_hash,role,referral_code,referral_code_created_at,referred_by_user_id,referred_by_code,created_at) values (${[id, name, phone, passwordHash, "user", code(userNo), now, referrer?.id ?? null, referrer?.code ?? null, now].map(q).join(",")});`,
      `insert into referral_stats (user_id) values ('${id}');`,
      `insert into wallets (user_id) values ('${id}');`,
    );
    return { id, code: code(userNo), phone, balance: 0 };
  };
  const credit = (user, type, points, referralId) => {
    ledgerNo += 1;
    user.balance += points;
    lines.push(
      `insert into ledger_entries (id,user_id,type,points,balance_after,description,referral_id,expires_at,created_at) values (${[`txn_bench${ledgerNo}`, user.id, type, points, user.balance, "seeded", referralId, now + 365 * 86400000, now].map(q).join(",")});`,
    );
  };
  const referrerWith = (count, phone) => {
    const referrer = addUser("Bench Referrer", phone, null);
    for (let n = 1; n <= count; n++) {
      const referee = addUser(
        "Seeded Friend",
        `+9231${String(userNo + 1).padStart(8, "0")}`,
        referrer,
      );
      const referralId = `ref_bench${userNo}`;
      const points = n <= 3 ? 50 : n <= 10 ? 100 : 150;
      lines.push(
        `insert into referrals (id,referrer_id,referee_id,ordinal,code,status,source,program_version,referrer_points,referee_points,created_at,qualified_at) values (${[referralId, referrer.id, referee.id, n, referrer.code, "qualified", "direct", 1, points, 20, now, now].map(q).join(",")});`,
      );
      credit(referee, "signup_bonus", 20, referralId);
      credit(referrer, "referral_reward", points, referralId);
    }
    return referrer;
  };
  const big = referrerWith(BIG, "+923009000001");
  const small = referrerWith(1, "+923009000002");
  return { sql: lines.join("\n"), big, small };
}

async function waitForHealth() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("wrangler dev did not start");
}

let ipCounter = 0;
const ip = () => `2001:db8::${(++ipCounter).toString(16)}`;

async function timedRequest(path, init = {}) {
  const start = performance.now();
  const response = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { "CF-Connecting-IP": ip(), ...init.headers },
  });
  const body = await response.text();
  const ms = performance.now() - start;
  const rows = Object.fromEntries(
    (response.headers.get("X-D1-Rows") ?? "")
      .split(";")
      .filter(Boolean)
      .map((kv) => kv.split("=").map((x, i) => (i ? Number(x) : x))),
  );
  const timing = response.headers.get("Server-Timing") ?? "";
  const span = (name) =>
    Number(new RegExp(`${name};dur=([\\d.]+)`).exec(timing)?.[1] ?? Number.NaN);
  return { status: response.status, ms, rows, hashMs: span("hash"), d1Ms: span("d1"), body };
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const r2 = (x) => Math.round(x * 100) / 100;

async function series(name, n, makeRequest, expectStatus) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const result = await makeRequest(i);
    if (result.status !== expectStatus) throw new Error(`${name}: ${result.status} ${result.body}`);
    samples.push(result);
  }
  const ms = samples.map((s) => s.ms);
  const last = samples.at(-1).rows;
  const hashes = samples.map((s) => s.hashMs).filter((x) => !Number.isNaN(x));
  const d1 = samples.map((s) => s.d1Ms).filter((x) => !Number.isNaN(x));
  return {
    name,
    n,
    p50: r2(pct(ms, 50)),
    p99: r2(pct(ms, 99)),
    hashP50: hashes.length ? r2(pct(hashes, 50)) : null,
    d1P50: d1.length ? r2(pct(d1, 50)) : null,
    batches: last.batches ?? 0,
    queries: last.queries ?? 0,
    rowsRead: last.read ?? 0,
    rowsWritten: last.written ?? 0,
  };
}

async function throughput(path, headers = {}) {
  const result = await autocannon({
    url: `${BASE}${path}`,
    connections: 8,
    duration: 5,
    headers,
  });
  if (result.non2xx) throw new Error(`${path}: ${result.non2xx} non-2xx responses`);
  return {
    path,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function main() {
  rmSync(".bench", { recursive: true, force: true });
  mkdirSync(".bench", { recursive: true });
  console.log("Seeding local D1 …");
  const passwordHash = bcrypt.hashSync(PASSWORD, 10);
  const seed = seedSql(passwordHash);
  writeFileSync(".bench/seed.sql", seed.sql);
  const quiet = { stdio: ["ignore", "ignore", "inherit"] };
  if (wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE], quiet).status)
    throw new Error("migrations failed");
  if (
    wrangler(
      ["d1", "execute", "DB", "--local", "--persist-to", STATE, "--file", ".bench/seed.sql"],
      quiet,
    ).status
  )
    throw new Error("seeding failed");

  const secret = () => randomBytes(32).toString("base64url");
  const dev = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--port",
      String(PORT),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      STATE,
      "--var",
      "BENCH_METRICS:1",
      "--var",
      `ACCESS_TOKEN_SECRET:${secret()}`,
      "--var",
      `EVENTS_API_KEY:${secret()}`,
      "--var",
      "ENVIRONMENT:development",
      "--log-level",
      "error",
    ],
    { stdio: ["ignore", "ignore", "inherit"], detached: true },
  );
  try {
    await waitForHealth();
    const login = async (phone) => {
      const r = await timedRequest("/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone, password: PASSWORD }),
      });
      return JSON.parse(r.body).accessToken;
    };
    const bigToken = await login(seed.big.phone);
    const smallToken = await login(seed.small.phone);
    const auth = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

    // Warm up the isolate and the JIT before measuring anything.
    for (let i = 0; i < 50; i++) await timedRequest("/health");

    const rows = [];
    rows.push(await series("GET /health", SAMPLES, () => timedRequest("/health"), 200));
    const signupN = Math.min(SAMPLES, 150);
    const signupPhones = [];
    rows.push(
      await series(
        "POST /v1/auth/register (cost 10)",
        signupN,
        (i) => {
          const phone = `+92345${String(1000000 + i).padStart(7, "0")}`;
          signupPhones.push(phone);
          return timedRequest("/v1/auth/register", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
              name: "Bench User",
              phone,
              password: PASSWORD,
              referralCode: seed.small.code,
            }),
          });
        },
        201,
      ),
    );
    for (const [label, token] of [
      [`${BIG} referrals`, bigToken],
      ["1 referral", smallToken],
    ]) {
      rows.push(
        await series(
          `GET /v1/me/wallet (${label})`,
          SAMPLES,
          () => timedRequest("/v1/me/wallet", auth(token)),
          200,
        ),
      );
      rows.push(
        await series(
          `GET /v1/me/referrals (${label})`,
          SAMPLES,
          () => timedRequest("/v1/me/referrals", auth(token)),
          200,
        ),
      );
      rows.push(
        await series(
          `GET /v1/me/wallet/transactions (${label})`,
          SAMPLES,
          () => timedRequest("/v1/me/wallet/transactions", auth(token)),
          200,
        ),
      );
    }
    rows.push(
      await series(
        "POST /v1/me/redemptions",
        Math.min(SAMPLES, 200),
        (i) =>
          timedRequest("/v1/me/redemptions", {
            method: "POST",
            headers: {
              Authorization: `Bearer ${bigToken}`,
              "Content-Type": "application/json",
              "Idempotency-Key": `bench-redeem-${i}`,
            },
            body: "{}",
          }),
        201,
      ),
    );
    rows.push(
      await series(
        "POST /v1/auth/login (wrong password)",
        40,
        (i) =>
          timedRequest("/v1/auth/login", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ phone: signupPhones[i], password: "wrong password" }),
          }),
        401,
      ),
    );
    rows.push(
      await series(
        "POST /v1/auth/login (unknown phone)",
        40,
        (i) =>
          timedRequest("/v1/auth/login", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
              phone: `+92346${String(1000000 + i).padStart(7, "0")}`,
              password: "wrong password",
            }),
          }),
        401,
      ),
    );

    const load = [
      await throughput("/health"),
      await throughput("/v1/me/wallet", { Authorization: `Bearer ${bigToken}` }),
    ];

    console.log("\nSequential latency (ms) and D1 work per request (from D1 meta):\n");
    console.log(
      "| request | n | p50 | p99 | hash p50 | batches | statements | rows read | rows written |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.n} | ${r.p50} | ${r.p99} | ${r.hashP50 ?? "–"} | ${r.d1P50 ?? "–"} | ${r.batches} | ${r.queries} | ${r.rowsRead} | ${r.rowsWritten} |`,
      );
    }
    const signup = rows.find((r) => r.name.startsWith("POST /v1/auth/register"));
    const health = rows[0];
    const share = Math.round((100 * signup.hashP50) / signup.p50);
    const rest = r2(signup.p50 - signup.hashP50 - health.p50);
    console.log(
      `\nSignup p50 ${signup.p50} ms: hashing ${signup.hashP50} ms (${share}%), D1 ${signup.d1P50} ms; ` +
        `${rest} ms beyond hashing and the ${health.p50} ms a bare /health costs here.`,
    );
    console.log("\nThroughput (autocannon, 8 connections, 5 s):\n");
    console.log("| path | req/s | p50 ms | p99 ms | vs /health |");
    console.log("|---|---|---|---|---|");
    for (const l of load)
      console.log(`| ${l.path} | ${l.rps} | ${l.p50} | ${l.p99} | ${r2(l.rps / load[0].rps)}× |`);
    writeFileSync(
      ".bench/results.json",
      JSON.stringify({ at: new Date().toISOString(), rows, load }, null, 2),
    );
  } finally {
    process.kill(-dev.pid, "SIGTERM");
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
