/**
 * Test harness: every test talks to the real Worker (exports.default.fetch) running in
 * workerd against local D1 and KV. Each test builds its own users.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import worker from "../src/index";
import type { components, paths } from "../web/src/api/schema";

/** The API's schemas, as generated from openapi.json (`npm run web:types`), as the web pages read them. */
export type Schemas = components["schemas"];
type ErrorEnvelope = Schemas["Error"];
/** The contract's error codes (src/errors.ts, as openapi.json lists them). */
export type ErrorCode = ErrorEnvelope["error"]["code"];
type Scope = Schemas["ApiKey"]["scopes"][number];

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

// biome-ignore lint/suspicious/noExplicitAny: the untyped door of callJson, for requests outside the contract (hostile input) and tests not yet on `api`.
export type Json = any;

type Method = "get" | "put" | "post" | "delete" | "patch";
/** The contract's paths that answer `method`. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, { responses: unknown }> ? P : never;
}[keyof paths];
type Operation<M extends Method, P extends PathOf<M>> = paths[P][M];

/** What the request sends, as the contract types it: path and query parameters, the JSON body. */
type Input<O> = CallOptions &
  (O extends { parameters: { path: infer A } } ? { path: A } : { path?: never }) &
  (O extends { parameters: { query?: infer Q } } ? { query?: Q } : { query?: never }) &
  (O extends { requestBody: { content: { "application/json": infer B } } }
    ? { body: B }
    : O extends { requestBody?: { content: { "application/json": infer B } } }
      ? { body?: B }
      : { body?: never });

/** The query parameters of a GET (`QueryOf<"/v1/admin/audit-log">`), as the contract types them. */
export type QueryOf<P extends PathOf<"get">> = Input<Operation<"get", P>>["query"];

type BodyOf<R> = R extends { content: { "application/json": infer B } } ? B : null;

/**
 * An answer as the contract lists it: one `{ status, body }` per status, the body typed for that
 * status. `expectStatus` narrows it to one.
 */
export type Answer<O> = O extends { responses: infer R }
  ? { [S in keyof R]: { status: S; body: BodyOf<R[S]>; headers: Headers } }[keyof R]
  : never;

/** `/v1/admin/users/{id}` with `{ id }` filled in (encoded), and the query appended. */
function urlOf(path: string, input: { path?: object; query?: object }): string {
  const values = (input.path ?? {}) as Record<string, string | number>;
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(values[name])),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (value !== undefined) query.set(name, String(value));
  }
  return query.size > 0 ? `${filled}?${query}` : filled;
}

type InputArgs<M extends Method, P extends PathOf<M>> =
  object extends Input<Operation<M, P>>
    ? [input?: Input<Operation<M, P>>]
    : [input: Input<Operation<M, P>>];

function send(
  method: Method,
  path: string,
  input: CallOptions & { path?: object; query?: object; body?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const { path: _path, query: _query, body, ...options } = input;
  return callJson(method.toUpperCase(), urlOf(path, input), body, options);
}

/**
 * A request the contract describes, answered by the real Worker; its answer typed by status.
 * The types are the contract's word for what comes back: a test that checks the status
 * (`expectStatus`) checks the rest against them.
 */
export const request = send as <M extends Method, P extends PathOf<M>>(
  method: M,
  path: P,
  ...[input]: InputArgs<M, P>
) => Promise<Answer<Operation<M, P>>>;

/**
 * The typed client of the tests: the contract's paths, parameters, bodies and answers, from the
 * same generated types the web pages use (web/src/api/schema.d.ts, `npm run web:types`).
 * @example
 * const wallet = await api.GET("/v1/me/wallet", { token });
 * expectStatus(wallet, 200);
 * wallet.body.balance; // number
 */
export const api = {
  GET: <P extends PathOf<"get">>(path: P, ...input: InputArgs<"get", P>) =>
    request("get", path, ...input),
  POST: <P extends PathOf<"post">>(path: P, ...input: InputArgs<"post", P>) =>
    request("post", path, ...input),
  PUT: <P extends PathOf<"put">>(path: P, ...input: InputArgs<"put", P>) =>
    request("put", path, ...input),
  PATCH: <P extends PathOf<"patch">>(path: P, ...input: InputArgs<"patch", P>) =>
    request("patch", path, ...input),
  DELETE: <P extends PathOf<"delete">>(path: P, ...input: InputArgs<"delete", P>) =>
    request("delete", path, ...input),
};

/** `value`, which the test expects to be there: a missing one fails the test here. */
export function present<T>(value: T | null | undefined): T {
  expect(value).toBeDefined();
  expect(value).not.toBeNull();
  return value as T;
}

/** The answer of `status`; a loose answer (`callJson`'s) stays as it is. */
type WithStatus<A, S> = [Extract<A, { status: S }>] extends [never] ? A : Extract<A, { status: S }>;

/** Asserts the answer's status, and so its body's type (the message shows the body). */
export function expectStatus<
  A extends { status: number; body: unknown },
  const S extends A["status"],
>(answer: A, status: S): asserts answer is WithStatus<A, S> {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
}

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
  const registered = await api.POST("/v1/auth/register", { body: input });
  expectStatus(registered, 201);
  const { user, accessToken, refreshToken } = registered.body;
  return {
    id: user.id,
    phone: user.phone ?? input.phone,
    password: input.password,
    name: input.name,
    referralCode: user.referralCode,
    accessToken,
    refreshToken,
  };
}

const ADMIN_PHONE = "+923009999999"; // ADMIN_PHONES in vitest.config.ts

/** The admin of this test file's storage: registered once, signed in after that. */
export async function adminUser(): Promise<TestUser> {
  const password = "correct horse battery";
  const login = await api.POST("/v1/auth/login", { body: { phone: ADMIN_PHONE, password } });
  if (login.status !== 200) return registerUser({ phone: ADMIN_PHONE, name: "Admin Person" });
  const { user, accessToken, refreshToken } = login.body;
  return { ...user, phone: ADMIN_PHONE, password, accessToken, refreshToken };
}

/** A server API key with `scopes`, created by this file's admin: its id and `rk_…` secret. */
export async function serverKey(scopes: Scope[]): Promise<{ id: string; secret: string }> {
  const admin = await adminUser();
  const created = await api.POST("/v1/admin/api-keys", {
    body: { name: `Back end ${scopes.join("+")}`, scopes },
    token: admin.accessToken,
  });
  expectStatus(created, 201);
  return { id: created.body.apiKey.id, secret: created.body.secret };
}

/** A referrer with `count` referred signups, made one after another. */
export async function referrerWith(count: number): Promise<TestUser> {
  const referrer = await registerUser({ name: "Bilal Ahmed" });
  for (let i = 0; i < count; i++) await registerUser({ referralCode: referrer.referralCode });
  return referrer;
}

/** The contract's error envelope, exactly; returns its `error` (typed) for more checks. */
export function expectError(
  response: { status: number; body: unknown; headers: Headers },
  status: number,
  code: ErrorCode,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(Object.keys(response.body ?? {})).toEqual(["error"]);
  const { error } = response.body as ErrorEnvelope;
  expect(error).toMatchObject({ code, message: expect.any(String) });
  expect(error.requestId).toBe(response.headers.get("X-Request-Id"));
  expect(Object.keys(error).sort()).toEqual(
    code === "validation_error" && error.details
      ? ["code", "details", "message", "requestId"]
      : ["code", "message", "requestId"],
  );
  return error;
}

export async function walletBalance(token: string): Promise<number> {
  const wallet = await api.GET("/v1/me/wallet", { token });
  expectStatus(wallet, 200);
  return wallet.body.balance;
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
  const token = (await adminUser()).accessToken;
  const current = await api.GET("/v1/admin/program", { token });
  expectStatus(current, 200);
  const { rules } = current.body;
  const published = await api.PUT("/v1/admin/program", {
    body: { rules: { ...rules, ...change } },
    token,
  });
  expectStatus(published, 200);
  try {
    await work();
  } finally {
    await api.PUT("/v1/admin/program", { body: { rules }, token });
  }
}

/** `count` signups with `referralCode`, all in flight at once. */
export function parallelSignups(referralCode: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      api.POST("/v1/auth/register", {
        body: {
          name: `Racing Friend ${i}`,
          phone: uniquePhone(),
          password: "correct horse battery",
          referralCode,
        },
      }),
    ),
  );
}

/**
 * What the invite webhook receives (src/invites/senders.ts, docs/integration.md): an invite, a
 * notification to the user themself, or a one-time code by SMS.
 */
export interface HookMessage {
  type: "invite" | "notification" | "verification_code";
  channel: "sms" | "email";
  to: string;
  text: string;
  purpose?: string;
  inviteId?: string;
  link?: string;
  subject?: string;
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
