import { env, exports } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idFromOutside } from "../src/lib/ids";
import {
  adminUser,
  BASE,
  callJson,
  expectError,
  referrerWith,
  registerUser,
  serverKey,
  uniqueIp,
} from "./harness";

/** Everything a write could change: row counts, points, revocations. */
async function databaseFingerprint(): Promise<string> {
  const row = await env.DB.prepare(
    `select (select count(*) from users) as users,
            (select count(*) from sessions where revoked_at is not null) as revoked,
            (select count(*) from refresh_tokens) as tokens,
            (select count(*) from refresh_tokens where used_at is not null) as used,
            (select count(*) from referrals) as referrals,
            (select count(*) from ledger_entries) as ledger,
            (select coalesce(sum(balance), 0) from wallets) as points,
            (select count(*) from redemptions) as redemptions,
            (select count(*) from idempotency_keys) as keys,
            (select count(*) from invites) as invites,
            (select count(*) from programs) as programs,
            (select count(*) from rewards) as rewards,
            (select count(*) from audit_log) as audit,
            (select count(*) from events) as events,
            (select count(*) from api_keys) as api_keys,
            (select count(*) from redemptions where coupon_status <> 'issued') as coupons_spent,
            (select group_concat(referral_code) from users) as codes`,
  ).first();
  return JSON.stringify(row);
}

/** Bodies that are wrong in every way a client can be wrong. */
const hostileBody = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.anything({ maxDepth: 3 }).map((value) => {
    try {
      return JSON.stringify(value) ?? "null";
    } catch {
      return "null";
    }
  }),
  fc
    .record(
      {
        name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
        phone: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant("+92300")),
        password: fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.constant("x".repeat(73)),
          fc.boolean(),
        ),
        referralCode: fc.oneof(fc.string({ maxLength: 40 }), fc.constant("0OIL1"), fc.integer()),
        refreshToken: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
        rewardId: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant({})),
        channel: fc.oneof(fc.constantFrom("sms", "email", "fax"), fc.integer()),
        type: fc.oneof(
          fc.constantFrom("purchase", "refund", "Purchase!"),
          fc.string({ maxLength: 40 }),
        ),
        externalId: fc.oneof(fc.string({ maxLength: 200 }), fc.integer()),
        userId: fc.oneof(fc.constant("usr_nobody"), fc.string({ maxLength: 80 })),
        to: fc.oneof(fc.string({ maxLength: 300 }), fc.constant("+92300"), fc.constant("a@b")),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.constantFrom(
    "",
    "{",
    "[]",
    "null",
    '{"__proto__": {"admin": true}}',
    "\u0000",
    "{}".repeat(5000),
  ),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "",
);

interface Endpoint {
  method?: "POST" | "PUT" | "PATCH";
  path: string;
  token?: boolean | "admin" | "events" | "server";
  headers?: (key: string) => Record<string, string>;
}

const endpoints: Endpoint[] = [
  { path: "/v1/auth/register" },
  { path: "/v1/auth/login" },
  { path: "/v1/auth/refresh" },
  { path: "/v1/auth/logout", token: true },
  { path: "/v1/auth/password", token: true },
  { path: "/v1/auth/password/reset" },
  { path: "/v1/auth/password/reset/confirm" },
  { path: "/v1/auth/phone/verification/check", token: true },
  { path: "/v1/me/redemptions", token: true, headers: (key) => ({ "Idempotency-Key": key }) },
  { path: "/v1/me/invites", token: true },
  { method: "PUT", path: "/v1/me/referral-code", token: true },
  { path: "/v1/events", token: "events" },
  { method: "PUT", path: "/v1/admin/program", token: "admin" },
  { path: "/v1/admin/api-keys", token: "admin" },
  { path: "/v1/admin/redemptions/rdm_nothing/void", token: "admin" },
  { path: "/v1/users", token: "server" },
  { path: "/v1/embed-tokens", token: "server" },
  {
    path: "/v1/coupons/ZZZZ-ZZZZ-ZZZZ-ZZZZ/use",
    token: "server",
    headers: (key) => ({ "Idempotency-Key": key }),
  },
  { path: "/v1/admin/rewards", token: "admin" },
  { method: "PATCH", path: "/v1/admin/rewards/rwd_discount_10", token: "admin" },
  { method: "PATCH", path: "/v1/admin/users/usr_nobody", token: "admin" },
  {
    path: "/v1/admin/users/usr_nobody/adjustments",
    token: "admin",
    headers: (key) => ({ "Idempotency-Key": key }),
  },
];

describe("hostile bodies at every write endpoint", () => {
  it.each(endpoints)(
    "$path: never a 5xx, always the envelope, nothing written",
    async (endpoint) => {
      // A user with points and sessions, so that a wrongly accepted request would show.
      const server =
        endpoint.token === "server"
          ? await serverKey(["events", "coupons", "wallet", "users", "embed"])
          : undefined;
      const user =
        endpoint.token === "admin"
          ? await adminUser()
          : endpoint.token
            ? await referrerWith(3)
            : await registerUser();
      await fc.assert(
        fc.asyncProperty(
          hostileBody,
          contentType,
          fc.string({ minLength: 0, maxLength: 140 }),
          async (body, type, key) => {
            const before = await databaseFingerprint();
            const headers: Record<string, string> = { "CF-Connecting-IP": uniqueIp() };
            if (type) headers["Content-Type"] = type;
            if (endpoint.token) {
              const token =
                endpoint.token === "events"
                  ? env.EVENTS_API_KEY
                  : (server?.secret ?? user.accessToken);
              headers.Authorization = `Bearer ${token}`;
            }
            Object.assign(headers, endpoint.headers?.(key));
            const response = await exports.default.fetch(`${BASE}${endpoint.path}`, {
              method: "POST",
              headers,
              body,
            });
            expect(response.status).toBeLessThan(500);
            expect(response.headers.get("X-Request-Id")).toBeTruthy();
            if (response.status >= 300) {
              const json = await response.json<{ error: Record<string, unknown> }>();
              expect(Object.keys(json)).toEqual(["error"]);
              expect(json.error).toMatchObject({
                code: expect.any(String),
                message: expect.any(String),
              });
              expect(json.error.requestId).toBe(response.headers.get("X-Request-Id"));
              expect(await databaseFingerprint()).toBe(before);
            } else {
              // Only these accept a body a generator can hit on; they change what they should.
              expect([
                "/v1/auth/logout",
                "/v1/auth/password/reset",
                "/v1/me/redemptions",
                "/v1/me/invites",
                "/v1/me/referral-code",
                "/v1/admin/rewards",
                "/v1/users",
              ]).toContain(endpoint.path);
              await response.body?.cancel();
            }
          },
        ),
        { numRuns: 60 },
      );
    },
    // 60 runs of two D1 reads and a request each: seconds on a busy machine.
    30_000,
  );
});

describe("ids from outside", () => {
  const hidden = {
    "a right-to-left override": "\u202E",
    "a zero-width space": "\u200B",
    "a left-to-right isolate": "\u2066",
    "a NUL": "\u0000",
    "a bell": "\u0007",
    "a C1 control": "\u0085",
    "a byte-order mark": "\uFEFF",
  };

  it("with a control, invisible or direction character are refused, and change nothing", async () => {
    const server = await serverKey(["events", "coupons", "wallet", "users"]);
    const user = await registerUser();
    const before = await databaseFingerprint();
    for (const [what, character] of Object.entries(hidden)) {
      const id = `id-${character}-42`;
      const attempts: [string, string, string, unknown, Record<string, string>][] = [
        ["orderId", "POST", `/v1/users/${user.id}/wallet/spend`, { points: 1, orderId: id }, {}],
        ["externalId", "POST", "/v1/users", { externalId: id, name: "Sana Malik" }, {}],
        ["externalId", "GET", `/v1/users?externalId=${encodeURIComponent(id)}`, undefined, {}],
        [
          "externalId",
          "POST",
          "/v1/events",
          { type: "purchase", userId: user.id, externalId: id },
          {},
        ],
        [
          "refundOf",
          "POST",
          "/v1/events",
          { type: "refund", userId: user.id, externalId: "refund-1", refundOf: id },
          {},
        ],
        ["orderId", "POST", "/v1/coupons/K7QM2XRP9HTBC4WD/use", { orderId: id }, {}],
        ["code", "GET", `/v1/coupons/${encodeURIComponent(id)}`, undefined, {}],
      ];
      for (const [path, method, url, body, headers] of attempts) {
        const response = await callJson(method, url, body, {
          token: server.secret,
          headers: { "Idempotency-Key": `key-${crypto.randomUUID()}`, ...headers },
        });
        expectError(response, 400, "validation_error");
        expect(
          response.body.error.details,
          `${what} in ${path} of ${method} ${url}`,
        ).toContainEqual({
          path,
          message: expect.stringMatching(/control, invisible or direction/),
        });
      }
      // A header cannot carry characters past U+00FF; the controls below it are refused there too.
      if (character.charCodeAt(0) <= 0xff && character !== "\u0000") {
        const response = await callJson(
          "POST",
          `/v1/users/${user.id}/wallet/spend`,
          { points: 1, orderId: "order-1" },
          { token: server.secret, headers: { "Idempotency-Key": `key-${character}-0123456789` } },
        );
        expectError(response, 400, "validation_error");
        expect(response.body.error.details[0].path, what).toBe("idempotency-key");
      }
    }
    expect(await databaseFingerprint()).toBe(before);
  });

  it("in any script are accepted", () => {
    for (const id of ["order-42", "طلب-٤٢", "заказ 42", "注文42", "cust_8812", "K7QM-2XRP"]) {
      expect(idFromOutside(z.string()).safeParse(id).success, id).toBe(true);
    }
    for (const character of Object.values(hidden)) {
      expect(idFromOutside(z.string()).safeParse(`a${character}b`).success).toBe(false);
    }
  });
});
