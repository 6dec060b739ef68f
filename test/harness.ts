/**
 * Test harness: every test talks to the real Worker (exports.default.fetch) running in
 * workerd against local D1 and KV. Each test builds its own users.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import worker from "../src/index";

export const BASE = "https://api.test";

let phoneCounter = 0;
/** A valid Pakistani mobile number no other test in this file uses. */
export function uniquePhone(): string {
  phoneCounter += 1;
  const salt = Math.floor(Math.random() * 1000);
  return `+92300${String(salt).padStart(3, "0")}${String(phoneCounter).padStart(4, "0")}`;
}

/**
 * A fresh client address, so per-IP rate limits of one test do not touch another. Random
 * in the /64 prefix: rate limits count an IPv6 client by its /64.
 */
export function uniqueIp(): string {
  const part = () => Math.floor(Math.random() * 0xffff).toString(16);
  return `2001:db8:${part()}:${part()}::${part()}`;
}

/**
 * Waits, if need be, until the current rate-limit window of this length has 10 s or more
 * left: windows are fixed, and a burst that straddles two would be counted in both.
 */
export async function awayFromWindowEnd(windowSeconds: number) {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  ip?: string;
  /** The request's country, as Cloudflare's edge sets `request.cf.country`. */
  country?: string;
}

export async function call(
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    "CF-Connecting-IP": options.ip ?? uniqueIp(),
    ...options.headers,
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
    ...(options.country ? { cf: { country: options.country } } : {}),
  });
}

/**
 * Like `call`, but through the Worker's handler with an execution context that the test
 * waits on: what the Worker does after responding (waitUntil) is done when this returns.
 */
export async function callAndSettle(
  method: string,
  path: string,
  options: CallOptions & { body?: unknown } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    "CF-Connecting-IP": options.ip ?? uniqueIp(),
    ...options.headers,
  };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: "manual",
    }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them.
export type Json = any;

export async function callJson(
  method: string,
  path: string,
  body?: unknown,
  options?: CallOptions,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await call(method, path, body, options);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

export interface TestUser {
  id: string;
  phone: string;
  password: string;
  name: string;
  referralCode: string;
  accessToken: string;
  refreshToken: string;
}

export async function registerUser(
  overrides: { name?: string; phone?: string; password?: string; referralCode?: string } = {},
): Promise<TestUser> {
  const input = {
    name: overrides.name ?? "Ayesha Khan",
    phone: overrides.phone ?? uniquePhone(),
    password: overrides.password ?? "correct horse battery",
    ...(overrides.referralCode ? { referralCode: overrides.referralCode } : {}),
  };
  const { status, body } = await callJson("POST", "/v1/auth/register", input);
  expect(status, JSON.stringify(body)).toBe(201);
  return {
    id: body.user.id,
    phone: body.user.phone,
    password: input.password,
    name: input.name,
    referralCode: body.user.referralCode,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

const ADMIN_PHONE = "+923009999999"; // ADMIN_PHONES in vitest.config.ts

/** The admin of this test file's storage: registered once, signed in after that. */
export async function adminUser(): Promise<TestUser> {
  const login = await callJson("POST", "/v1/auth/login", {
    phone: ADMIN_PHONE,
    password: "correct horse battery",
  });
  if (login.status !== 200) return registerUser({ phone: ADMIN_PHONE, name: "Admin Person" });
  const { user, accessToken, refreshToken } = login.body;
  return { ...user, password: "correct horse battery", accessToken, refreshToken };
}

/** A server API key with `scopes`, created by this file's admin: its id and `rk_…` secret. */
export async function serverKey(scopes: string[]): Promise<{ id: string; secret: string }> {
  const admin = await adminUser();
  const created = await callJson(
    "POST",
    "/v1/admin/api-keys",
    { name: `Back end ${scopes.join("+")}`, scopes },
    { token: admin.accessToken },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.apiKey.id, secret: created.body.secret };
}

/** A referrer with `count` referred signups, made one after another. */
export async function referrerWith(count: number): Promise<TestUser> {
  const referrer = await registerUser({ name: "Bilal Ahmed" });
  for (let i = 0; i < count; i++) await registerUser({ referralCode: referrer.referralCode });
  return referrer;
}

/** The contract's error envelope, exactly. */
export function expectError(
  response: { status: number; body: Json; headers: Headers },
  status: number,
  code: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(Object.keys(response.body)).toEqual(["error"]);
  expect(response.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(response.body.error.requestId).toBe(response.headers.get("X-Request-Id"));
  const keys = Object.keys(response.body.error).sort();
  expect(keys).toEqual(
    code === "validation_error" && response.body.error.details
      ? ["code", "details", "message", "requestId"]
      : ["code", "message", "requestId"],
  );
}

export async function walletBalance(token: string): Promise<number> {
  const { body } = await callJson("GET", "/v1/me/wallet", undefined, { token });
  return body.balance;
}

/** Total rows in a table: for "nothing was written" assertions. */
export async function countRows(table: string): Promise<number> {
  const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

export const WRITABLE_TABLES = [
  "users",
  "sessions",
  "refresh_tokens",
  "referrals",
  "ledger_entries",
  "redemptions",
  "wallets",
  "referral_stats",
  "referral_codes",
];

export async function tableCounts(): Promise<Record<string, number>> {
  const counts = await Promise.all(WRITABLE_TABLES.map(countRows));
  return Object.fromEntries(WRITABLE_TABLES.map((table, i) => [table, counts[i] ?? 0]));
}

/** The Cookie header a browser would send back after `response` (name=value pairs only). */
export function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

/**
 * Runs `work` under a new program version whose referral codes expire after `days` and
 * whose `userId`'s code is old enough to have expired; the version is removed afterwards.
 */
export async function withExpiredCode(userId: string, days: number, work: () => Promise<void>) {
  await env.DB.prepare("update users set referral_code_created_at = 0 where id = ?")
    .bind(userId)
    .run();
  await env.DB.prepare(
    `insert into programs (version, rules, created_at)
     select version + 1, json_set(rules, '$.codeExpiryDays', ?), 0 from programs
     order by version desc limit 1`,
  )
    .bind(days)
    .run();
  try {
    await work();
  } finally {
    await env.DB.prepare(
      "delete from programs where version = (select max(version) from programs)",
    ).run();
  }
}

/**
 * Runs `work` under a new program version with `change` applied to the current rules,
 * then publishes the previous rules again (as a newer version) for the other tests.
 */
export async function withProgramChange(
  change: Record<string, unknown>,
  work: () => Promise<void>,
) {
  const admin = await adminUser();
  const current = await callJson("GET", "/v1/admin/program", undefined, {
    token: admin.accessToken,
  });
  const published = await callJson(
    "PUT",
    "/v1/admin/program",
    { rules: { ...current.body.rules, ...change } },
    { token: admin.accessToken },
  );
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  try {
    await work();
  } finally {
    await callJson(
      "PUT",
      "/v1/admin/program",
      { rules: current.body.rules },
      { token: admin.accessToken },
    );
  }
}

/** `count` signups with `referralCode`, all in flight at once. */
export function parallelSignups(referralCode: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      callJson("POST", "/v1/auth/register", {
        name: `Racing Friend ${i}`,
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode,
      }),
    ),
  );
}

/** INVITE_WEBHOOK_URL in vitest.config.ts. */
export const INVITE_HOOK = "https://hooks.test/invites";

/**
 * Intercepts the invite webhook (an outbound HTTP call, not the platform); answers with
 * `statuses` in turn (the last one from then on). Restore with `vi.restoreAllMocks()`.
 */
export function interceptInviteWebhook(statuses: number[]) {
  const calls: Request[] = [];
  const realFetch = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url !== INVITE_HOOK) return realFetch(input, init);
    calls.push(request);
    return new Response("", {
      status: statuses[Math.min(calls.length - 1, statuses.length - 1)] ?? 200,
    });
  });
  return { calls, spy };
}

/**
 * What `read` returns once `ready` accepts it, polling for up to 4 s: for what arrives
 * through a queue after a response (invite-link clicks are stored within ~1–2 s).
 */
export async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean) {
  let last: T | undefined;
  try {
    await vi.waitUntil(
      async () => {
        last = await read();
        return ready(last);
      },
      { timeout: 4_000, interval: 50 },
    );
  } catch {
    // Let the caller's assertion show what was there instead of a bare timeout.
  }
  return last as T;
}
