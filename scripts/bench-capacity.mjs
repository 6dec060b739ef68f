// `npm run bench:capacity`: how much one D1 database takes, measured on a local one.
//
// 1. Load ramp. The Worker in local workerd (`wrangler dev`) on a fresh local D1 with 40,000
//    seeded referrers and 200 seeded wallets; bcrypt at its lowest cost (BCRYPT_COST=4, a
//    development-only setting) so that a signup measures the database, not the hash. For
//    referred signups, then redemptions, it runs 1, 2, 4 … 32 clients at once, each sending
//    its next request as soon as the last one is answered (a closed loop), for a few seconds a
//    step, and reports throughput and latency per step: the sustained rate is the one of the
//    last step before p50 reaches twice the p50 of one client alone. Then SQLite alone: the
//    rows of a referred signup written straight into the same file, without the Worker.
// 2. Rows and bytes per participant. A second fresh D1: N participants join through the API
//    as in real traffic (most after a click on a friend's link, with their code; the rest on
//    their own), every referral pays at signup as the default program does, and everyone with
//    100 points redeems a coupon. Then the database file is read with SQLite's dbstat: bytes
//    and rows per participant, per table with its indexes.
//
// Local D1 is SQLite inside the same workerd process as the Worker, on this machine's disk,
// with no network between them and the same cores for both (the Worker's one isolate
// saturates first). Production D1 is one primary per database elsewhere in Cloudflare's
// network, every round trip to it tens of milliseconds away: read the ramp for where one
// isolate and one database start to queue on this machine, SQLite alone for the database's
// own share, and neither for production latency. See docs/how-it-works.md, "When one
// database is not enough", and docs/testing.md for the figures.
//
//   BENCH_CAPACITY_STEPS=1,2,4,8,16,32   clients at once, per step
//   BENCH_CAPACITY_SECONDS=8             length of a step
//   BENCH_CAPACITY_PARTICIPANTS=2000     participants of part 2
//   BENCH_CAPACITY_ONLY=ramp|footprint   only part 1 or part 2

import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import bcrypt from "bcryptjs";
import { openLocalD1, Seeder } from "./bench-seed.mjs";
import { startWorker, wrangler } from "./lib/local-worker.mjs";
import { REQUIRED_SECRETS, randomSecret } from "./lib/secrets.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8793);
const BASE = `http://127.0.0.1:${PORT}`;
const STATE_RAMP = ".bench/capacity-ramp";
const STATE_ACTIVITY = ".bench/capacity-activity";
const PASSWORD = "capacity password 1";
const BCRYPT_COST = 4;
const STEPS = (process.env.BENCH_CAPACITY_STEPS ?? "1,2,4,8,16,32").split(",").map(Number);
const STEP_SECONDS = Number(process.env.BENCH_CAPACITY_SECONDS ?? 8);
const PARTICIPANTS = Number(process.env.BENCH_CAPACITY_PARTICIPANTS ?? 2000);
/** `ramp` or `footprint`: only that part. */
const ONLY = process.env.BENCH_CAPACITY_ONLY;
const REFERRERS = 40_000;
const REDEEMERS = 200;
const BROWSER =
  "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36";
const DAY = 86_400_000;

let clientCounter = 0;
/** A client address of its own: per-IP limits count an IPv6 client by its /64. */
const newClientIp = () => {
  const n = ++clientCounter;
  return `2001:db8:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`;
};
let phoneCounter = 0;
const newPhone = () => `+92345${String(1_000_000 + ++phoneCounter).padStart(7, "0")}`;

const percentile = (values, p) =>
  values.length === 0
    ? Number.NaN
    : [...values].sort((a, b) => a - b)[
        Math.min(values.length - 1, Math.floor((p / 100) * values.length))
      ];
const round1 = (x) => Math.round(x * 10) / 10;

function startCapacityWorker(stateDir) {
  const secrets = Object.fromEntries(REQUIRED_SECRETS.map((name) => [name, randomSecret()]));
  return startWorker({
    port: PORT,
    stateDir,
    vars: {
      ...secrets,
      ENVIRONMENT: "development",
      BCRYPT_COST: String(BCRYPT_COST),
      // Rows written per request (X-D1-Rows).
      BENCH_METRICS: "1",
      LEADERBOARD_CACHE_SECONDS: "0",
      ACCESS_TOKEN_TTL_SECONDS: "86400",
      SMS_DAILY_BUDGET: "10000000",
    },
  });
}

const json = (body, headers = {}) => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** One request from a client of its own: its status, latency and rows written. */
async function timedFetch(path, init = {}) {
  const start = performance.now();
  const response = await fetch(`${BASE}${path}`, {
    redirect: "manual",
    ...init,
    headers: { "CF-Connecting-IP": newClientIp(), ...init.headers },
  });
  const text = await response.text();
  const ms = performance.now() - start;
  const written = /\bwritten=(\d+)/.exec(response.headers.get("X-D1-Rows") ?? "")?.[1];
  return {
    status: response.status,
    ms,
    rowsWritten: written === undefined ? Number.NaN : Number(written),
    text,
  };
}

/**
 * `clients` loops at once, each sending `makeRequest(n)` again as soon as the last answer
 * came, for `seconds`: answers per second and their latency.
 */
async function closedLoop({ clients, seconds, makeRequest, expectStatus }) {
  const samples = [];
  const unexpected = {};
  let next = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const result = await makeRequest(next++);
        if (result.status === expectStatus) samples.push(result);
        else unexpected[result.status] = (unexpected[result.status] ?? 0) + 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const latencies = samples.map((s) => s.ms);
  return {
    clients,
    perSecond: round1(samples.length / elapsed),
    p50: round1(percentile(latencies, 50)),
    p99: round1(percentile(latencies, 99)),
    rowsWritten: samples.at(-1)?.rowsWritten ?? Number.NaN,
    answered: samples.length,
    unexpected,
  };
}

/** The ramp of one request: every step, and the sustained rate before p50 doubles. */
async function ramp(name, makeRequest, expectStatus) {
  // Warm the isolate and SQLite's page cache first; not measured.
  await closedLoop({ clients: 2, seconds: 2, makeRequest, expectStatus });
  const steps = [];
  for (const clients of STEPS) {
    const step = await closedLoop({ clients, seconds: STEP_SECONDS, makeRequest, expectStatus });
    steps.push(step);
    const refused = Object.entries(step.unexpected).map(([status, n]) => `${n}×${status}`);
    console.log(
      `  ${name}, ${clients} at once: ${step.perSecond}/s, p50 ${step.p50} ms, p99 ${step.p99} ms${refused.length ? `, unexpected ${refused.join(" ")}` : ""}`,
    );
  }
  const lightest = steps[0];
  const firstDoubled = steps.findIndex((step) => step.p50 > 2 * lightest.p50);
  const sustained = firstDoubled === -1 ? steps.at(-1) : steps[Math.max(0, firstDoubled - 1)];
  const peak = steps.reduce((best, step) => (step.perSecond > best.perSecond ? step : best));
  return { name, steps, sustained, peak, doubledAt: steps[firstDoubled]?.clients ?? null };
}

function printRamp({ name, steps, sustained, peak, doubledAt }) {
  console.log(`\n${name} (closed loop, ${STEP_SECONDS} s a step):\n`);
  console.log("| at once | per second | p50 ms | p99 ms | rows written | refused |");
  console.log("|---|---|---|---|---|---|");
  for (const step of steps) {
    const refused = Object.entries(step.unexpected).map(([status, n]) => `${n}×${status}`);
    console.log(
      `| ${step.clients} | ${step.perSecond} | ${step.p50} | ${step.p99} | ${step.rowsWritten} | ${refused.join(" ") || 0} |`,
    );
  }
  console.log(
    `\nSustained: ${sustained.perSecond}/s with ${sustained.clients} at once (p50 ${sustained.p50} ms, ${round1(sustained.p50 / steps[0].p50)}× the ${steps[0].p50} ms of ${steps[0].clients} alone)` +
      `${doubledAt ? `; p50 doubles at ${doubledAt} at once` : "; p50 never doubled"}. Peak: ${peak.perSecond}/s with ${peak.clients}.`,
  );
}

/** Ramp state: migrations, then referrers to sign up with and wallets to redeem from. */
function seedRamp(passwordHash) {
  rmSync(STATE_RAMP, { recursive: true, force: true });
  mkdirSync(STATE_RAMP, { recursive: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_RAMP]);
  const db = openLocalD1(STATE_RAMP);
  const seeder = new Seeder(db, passwordHash);
  const seeded = seeder.transaction(() => {
    const codes = Array.from(
      { length: REFERRERS },
      () => seeder.user({ name: "Capacity Referrer" }).code,
    );
    // A wallet for ten thousand 100-point coupons each: one credit, so one lot.
    const redeemers = Array.from({ length: REDEEMERS }, () => {
      const user = seeder.user({ name: "Capacity Redeemer" });
      seeder.insertLedger.run(
        `txn_capacity_${user.id}`,
        user.id,
        "adjustment",
        1_000_000,
        1_000_000,
        null,
        seeder.now + 365 * DAY,
        seeder.now,
      );
      return user.phone;
    });
    return { codes, redeemers };
  });
  db.close();
  return seeded;
}

async function login(phone) {
  const response = await timedFetch("/v1/auth/login", json({ phone, password: PASSWORD }));
  if (response.status !== 200) throw new Error(`login ${phone}: ${response.status}`);
  return JSON.parse(response.text).accessToken;
}

async function measureRamp(passwordHash) {
  console.log(`Seeding ${REFERRERS} referrers and ${REDEEMERS} wallets …`);
  const { codes, redeemers } = seedRamp(passwordHash);
  const worker = startCapacityWorker(STATE_RAMP);
  try {
    await worker.ready();
    const tokens = [];
    for (const phone of redeemers) tokens.push(await login(phone));
    console.log("Ramp:");
    let referrer = 0;
    const signups = await ramp(
      "POST /v1/auth/register (referred; bcrypt cost 4)",
      () =>
        timedFetch(
          "/v1/auth/register",
          // A referrer of its own each time, as in real traffic.
          json({
            name: "Capacity Friend",
            phone: newPhone(),
            password: PASSWORD,
            referralCode: codes[referrer++ % codes.length],
          }),
        ),
      201,
    );
    let key = 0;
    const redemptions = await ramp(
      "POST /v1/me/redemptions (a 100-point coupon)",
      (n) =>
        timedFetch(
          "/v1/me/redemptions",
          json(
            { rewardId: "rwd_discount_10" },
            {
              Authorization: `Bearer ${tokens[n % tokens.length]}`,
              "Idempotency-Key": `capacity-redeem-${++key}`,
            },
          ),
        ),
      201,
    );
    if (referrer > codes.length) {
      console.log(`(${referrer} signups: referrers were used more than once.)`);
    }
    return { signups, redemptions };
  } finally {
    await worker.stop();
  }
}

async function measureSqliteAlone(passwordHash) {
  const durable = await whenUnlocked(() => sqliteAloneSignups(passwordHash, "full"));
  const cpu = sqliteAloneSignups(passwordHash, "off");
  console.log(
    `\nSQLite alone (node:sqlite on the ramp's file, no Worker), the rows of a referred signup in one transaction each: ${durable}/s with each commit on disk, ${cpu}/s without (SQLite's CPU alone).`,
  );
  return { durable, cpu };
}

/** `work` once workerd, which may hold the file's lock a moment after exiting, lets go. */
async function whenUnlocked(work) {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (error.errcode !== 5 || attempt === 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * SQLite alone, without the Worker: the rows of a referred signup (both users' rows, the
 * referral, both ledger entries, the board; every trigger fires as for the Worker's batch)
 * written straight into the ramp's database file, one transaction each. What one database
 * takes when nothing but its own work is serialized: the Worker's CPU is not in it. With
 * `synchronous` FULL each commit waits for this disk; OFF leaves SQLite's CPU alone (a
 * Durable Object, D1's engine, makes its writes durable without holding up the next query).
 */
function sqliteAloneSignups(passwordHash, synchronous, count = 1000) {
  const db = openLocalD1(STATE_RAMP);
  try {
    db.exec(`pragma synchronous = ${synchronous}`);
    const seeder = new Seeder(db, passwordHash);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      seeder.transaction(() => {
        const referrer = seeder.user({ name: "Capacity Referrer" });
        seeder.referrals(referrer, 1, { ledger: true, periods: ["all"] });
      });
    }
    return Math.round(count / ((performance.now() - start) / 1000));
  } finally {
    db.close();
  }
}

/** Bytes and rows of every table (with its indexes) of the local D1 in `stateDir`. */
function databaseFootprint(stateDir) {
  return whenUnlocked(() => readFootprint(stateDir));
}

function readFootprint(stateDir) {
  const db = openLocalD1(stateDir);
  try {
    const pragma = (name) => Number(Object.values(db.prepare(`pragma ${name}`).get())[0]);
    const pageSize = pragma("page_size");
    const tables = db
      .prepare(
        "select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name <> 'd1_migrations'",
      )
      .all()
      .map((row) => row.name);
    const owner = new Map(
      db
        .prepare("select name, tbl_name from sqlite_schema where type in ('table', 'index')")
        .all()
        .map((row) => [row.name, row.tbl_name]),
    );
    const byTable = {};
    for (const table of tables) {
      const rows = Number(db.prepare(`select count(*) as n from "${table}"`).get().n);
      byTable[table] = { rows, tableBytes: 0, indexBytes: 0 };
    }
    // The schema, migrations' journal and sqlite_sequence are left out: a fixed cost.
    for (const row of db
      .prepare("select name, sum(pgsize) as bytes from dbstat group by name")
      .all()) {
      const table = owner.get(row.name) ?? row.name;
      const entry = byTable[table];
      if (!entry) continue;
      if (row.name === table) entry.tableBytes += Number(row.bytes);
      else entry.indexBytes += Number(row.bytes);
    }
    return {
      fileBytes: pragma("page_count") * pageSize,
      freeBytes: pragma("freelist_count") * pageSize,
      byTable,
    };
  } finally {
    db.close();
  }
}

/** N participants through the API: signups (most referred, after a click), then coupons. */
async function runActivity() {
  const people = [];
  const failures = new Map();
  let next = 0;
  const joinOne = async () => {
    const i = next++;
    const visitor = newClientIp();
    // Four in five join through a friend's link (a random earlier participant).
    const friend = i > 0 && i % 5 !== 0 ? people[Math.floor(Math.random() * people.length)] : null;
    if (friend) {
      const click = await timedFetch(`/r/${friend.code}?src=whatsapp`, {
        headers: { "CF-Connecting-IP": visitor, "User-Agent": BROWSER },
      });
      if (click.status !== 302) throw new Error(`click: ${click.status} ${click.text}`);
    }
    const created = await timedFetch(
      "/v1/auth/register",
      json(
        {
          name: "Capacity Participant",
          phone: newPhone(),
          password: PASSWORD,
          ...(friend ? { referralCode: friend.code, source: "whatsapp" } : {}),
        },
        { "CF-Connecting-IP": visitor },
      ),
    );
    if (created.status !== 201) {
      // Reported, not fatal: the footprint is of the participants who joined.
      const key = `${created.status} ${created.text.slice(0, 160)}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
      return;
    }
    const body = JSON.parse(created.text);
    people.push({ code: body.user.referralCode, token: body.accessToken });
  };
  // Eight at a time; a participant's friend is always one who has joined already.
  while (next < PARTICIPANTS) {
    await Promise.all(Array.from({ length: Math.min(8, PARTICIPANTS - next) }, joinOne));
  }
  let redeemed = 0;
  for (let start = 0; start < people.length; start += 8) {
    await Promise.all(
      people.slice(start, start + 8).map(async (person, j) => {
        const auth = { Authorization: `Bearer ${person.token}` };
        const wallet = await timedFetch("/v1/me/wallet", { headers: auth });
        if (JSON.parse(wallet.text).balance < 100) return;
        const redemption = await timedFetch(
          "/v1/me/redemptions",
          json(
            { rewardId: "rwd_discount_10" },
            { ...auth, "Idempotency-Key": `capacity-${start + j}` },
          ),
        );
        if (redemption.status !== 201) throw new Error(`redeem: ${redemption.status}`);
        redeemed += 1;
      }),
    );
  }
  for (const [answer, count] of failures) console.log(`  ${count} signups answered ${answer}`);
  return { participants: people.length, redeemed, failedSignups: Object.fromEntries(failures) };
}

async function measureFootprint() {
  rmSync(STATE_ACTIVITY, { recursive: true, force: true });
  mkdirSync(STATE_ACTIVITY, { recursive: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_ACTIVITY]);
  const empty = await databaseFootprint(STATE_ACTIVITY);
  const worker = startCapacityWorker(STATE_ACTIVITY);
  let activity;
  try {
    await worker.ready();
    console.log(`\n${PARTICIPANTS} participants join and redeem through the API …`);
    activity = await runActivity();
    // Clicks reach D1 through the queue, about a second after the response.
    await new Promise((resolve) => setTimeout(resolve, 5000));
  } finally {
    await worker.stop();
  }
  const full = await databaseFootprint(STATE_ACTIVITY);
  const n = activity.participants;
  const tables = Object.entries(full.byTable)
    .map(([table, after]) => {
      const before = empty.byTable[table] ?? { rows: 0, tableBytes: 0, indexBytes: 0 };
      const tableBytes = after.tableBytes - before.tableBytes;
      const indexBytes = after.indexBytes - before.indexBytes;
      return {
        table,
        rowsPerParticipant: round1((after.rows - before.rows) / n),
        bytesPerParticipant: Math.round((tableBytes + indexBytes) / n),
        indexShare: tableBytes + indexBytes > 0 ? indexBytes / (tableBytes + indexBytes) : 0,
      };
    })
    .filter((row) => row.rowsPerParticipant !== 0 || row.bytesPerParticipant !== 0)
    .sort((a, b) => b.bytesPerParticipant - a.bytesPerParticipant);
  const usedBytes = full.fileBytes - full.freeBytes - (empty.fileBytes - empty.freeBytes);
  return {
    ...activity,
    emptyBytes: empty.fileBytes,
    fileBytes: full.fileBytes,
    bytesPerParticipant: Math.round(usedBytes / n),
    rowsPerParticipant: round1(tables.reduce((sum, row) => sum + row.rowsPerParticipant, 0)),
    tables,
  };
}

function printFootprint(footprint) {
  const { participants, redeemed, bytesPerParticipant, rowsPerParticipant, tables } = footprint;
  console.log(
    `\nRows and bytes per participant (${participants} participants, ${redeemed} coupons redeemed; D1 file ${(footprint.fileBytes / 1e6).toFixed(1)} MB, ${(footprint.emptyBytes / 1e6).toFixed(1)} MB of it before anyone joined):\n`,
  );
  console.log(
    "| table (with its indexes) | rows per participant | bytes per participant | in indexes |",
  );
  console.log("|---|---|---|---|");
  for (const row of tables) {
    console.log(
      `| ${row.table} | ${row.rowsPerParticipant} | ${row.bytesPerParticipant} | ${Math.round(row.indexShare * 100)}% |`,
    );
  }
  const perDatabase = Math.floor(10e9 / bytesPerParticipant);
  console.log(
    `\nPer participant: ${bytesPerParticipant} bytes, ${rowsPerParticipant} rows. One 10 GB D1 holds about ${perDatabase.toLocaleString("en")} such participants.`,
  );
}

function machine() {
  const cores = cpus();
  // Other work on the machine takes cores from the Worker: the load average says how much.
  return `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`;
}

async function main() {
  mkdirSync(".bench", { recursive: true });
  console.log(`Machine: ${machine()}.`);
  console.log(
    "Local D1 is SQLite in the Worker's own workerd process on this disk: no network to the primary, and the Worker's CPU and the database share these cores. Production D1 serializes writes the same way, one primary per database, but every round trip there costs tens of ms.\n",
  );
  const results = { machine: machine() };
  if (ONLY !== "footprint") {
    const passwordHash = bcrypt.hashSync(PASSWORD, BCRYPT_COST);
    const { signups, redemptions } = await measureRamp(passwordHash);
    console.log(`\nAfter the ramp: ${machine()}.`);
    printRamp(signups);
    printRamp(redemptions);
    const sqliteAlone = await measureSqliteAlone(passwordHash);
    Object.assign(results, { signups, redemptions, sqliteAloneSignupsPerSecond: sqliteAlone });
  }
  if (ONLY !== "ramp") {
    results.footprint = await measureFootprint();
    printFootprint(results.footprint);
  }
  writeFileSync(".bench/capacity.json", JSON.stringify(results, null, 2));
  console.log(`\nWritten: .bench/capacity.json (${statSync(".bench/capacity.json").size} bytes).`);
}

await main();
