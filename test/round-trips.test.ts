/**
 * Round trips to D1 per request, as the request log counts them (src/db/client.ts
 * `meteredD1`): every sequential round trip to the primary costs tens of milliseconds from
 * South Asia, so each write reaches the primary once. Counts, never timings: a second round
 * trip coming back fails here whatever the machine's speed.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  call,
  callJson,
  registerUser,
  serverKey,
  type TestUser,
  uniqueIp,
  uniquePhone,
  withProgramChange,
} from "./harness";

interface D1Work {
  batches: number;
  queries: number;
  rowsRead: number;
  rowsWritten: number;
  roundTrips: number;
  primaryRoundTrips: number;
}

/** The D1 work that the request log line of `route` reports while `work` runs (its only one). */
async function d1Of(route: string, work: () => Promise<Response | { status: number }>) {
  const log = vi.spyOn(console, "log");
  const response = await work();
  const lines = log.mock.calls
    .map(([first]) => first)
    .filter((first): first is string => typeof first === "string" && first.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === "request" && line.route === route);
  log.mockRestore();
  expect(lines, `one request line for ${route}`).toHaveLength(1);
  return { status: response.status, d1: lines[0].d1 as D1Work };
}

/** A user with `points` to spend, credited straight in the ledger. */
async function userWithPoints(points: number): Promise<TestUser> {
  const user = await registerUser();
  await env.DB.prepare(
    `insert into ledger_entries (id, user_id, type, points, balance_after, description, expires_at, created_at)
     values (?, ?, 'adjustment', ?, ?, 'Seeded', null, ?)`,
  )
    .bind(`txn_seed_${user.id}`, user.id, points, points, Date.now())
    .run();
  return user;
}

const redemption = (user: TestUser) =>
  callJson(
    "POST",
    "/v1/me/redemptions",
    { rewardId: "rwd_discount_10" },
    { token: user.accessToken, headers: { "Idempotency-Key": crypto.randomUUID() } },
  );

const spend = (user: TestUser, points: number) =>
  callJson(
    "POST",
    `/v1/users/${user.id}/wallet/spend`,
    { points, orderId: `order-${crypto.randomUUID()}` },
    { token: server.secret, headers: { "Idempotency-Key": crypto.randomUUID() } },
  );

let server: { id: string; secret: string };
beforeAll(async () => {
  server = await serverKey(["coupons", "wallet"]);
});

describe("each write reaches the D1 primary in one round trip", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a signup without a referral code", async () => {
    const { status, d1 } = await d1Of("/v1/auth/register", () =>
      callJson("POST", "/v1/auth/register", {
        name: "Ayesha Khan",
        phone: uniquePhone(),
        password: "correct horse battery",
      }),
    );
    expect(status).toBe(201);
    expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  it("a signup with a referral code", async () => {
    const referrer = await registerUser();
    const { status, d1 } = await d1Of("/v1/auth/register", () =>
      callJson("POST", "/v1/auth/register", {
        name: "Ayesha Khan",
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode: referrer.referralCode,
      }),
    );
    expect(status).toBe(201);
    expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  it("a redemption", async () => {
    const user = await userWithPoints(300);
    const { status, d1 } = await d1Of("/v1/me/redemptions", () => redemption(user));
    expect(status).toBe(201);
    expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  // The server key is read where the request's reads go; the batch itself refuses a key
  // revoked since (test/server-keys.test.ts).
  it("a checkout with a coupon and points", async () => {
    const user = await userWithPoints(300);
    const coupon = (await redemption(user)).body.redemption.couponCode;
    const { status, d1 } = await d1Of("/v1/users/:id/checkout", () =>
      callJson(
        "POST",
        `/v1/users/${user.id}/checkout`,
        { orderId: `order-${crypto.randomUUID()}`, couponCode: coupon, points: 10 },
        { token: server.secret, headers: { "Idempotency-Key": crypto.randomUUID() } },
      ),
    );
    expect(status).toBe(201);
    expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  it("a spend of points", async () => {
    const user = await userWithPoints(300);
    const { status, d1 } = await d1Of("/v1/users/:id/wallet/spend", () => spend(user, 40));
    expect(status).toBe(201);
    expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  it("a refund of a spend, with and without an Idempotency-Key", async () => {
    const user = await userWithPoints(300);
    const spent = (await spend(user, 40)).body.spend;
    const refund = (points: number, headers: Record<string, string>) =>
      callJson(
        "POST",
        `/v1/users/${user.id}/wallet/spend/${spent.id}/refund`,
        { points },
        { token: server.secret, headers },
      );
    const route = "/v1/users/:id/wallet/spend/:spendId/refund";
    const keyed = await d1Of(route, () => refund(10, { "Idempotency-Key": crypto.randomUUID() }));
    expect(keyed.status).toBe(200);
    expect(keyed.d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
    const unkeyed = await d1Of(route, () => refund(10, {}));
    expect(unkeyed.status).toBe(200);
    expect(unkeyed.d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
  });

  it("a qualifying purchase event", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const { status, d1 } = await d1Of("/v1/events", () =>
        callJson(
          "POST",
          "/v1/events",
          { type: "purchase", userId: referee.id, externalId: `order-${crypto.randomUUID()}` },
          { headers: { Authorization: `Bearer ${env.EVENTS_API_KEY}` } },
        ),
      );
      expect(status).toBe(202);
      expect(d1).toMatchObject({ primaryRoundTrips: 1, batches: 1 });
      // Its reads overlap where they need nothing of one another: the event, program and
      // user; the referral; its referrer's snapshot and erasures; then the batch (was 9).
      expect(d1.roundTrips).toBe(4);
    });
  });
});

describe("the meter", () => {
  afterEach(() => vi.restoreAllMocks());

  it("counts a read-only request's round trips, none of them to the primary", async () => {
    const user = await registerUser();
    const { status, d1 } = await d1Of("/v1/me/wallet", () =>
      call("GET", "/v1/me/wallet", undefined, { token: user.accessToken }),
    );
    expect(status).toBe(200);
    expect(d1.primaryRoundTrips).toBe(0);
    expect(d1.roundTrips).toBeGreaterThan(0);
    // Reads that overlap (Promise.all) share a round trip.
    expect(d1.roundTrips).toBeLessThanOrEqual(d1.queries);
  });

  it("a signup refused for a taken phone reaches the primary once too", async () => {
    const ip = uniqueIp();
    const phone = uniquePhone();
    const body = { name: "Ayesha Khan", phone, password: "correct horse battery" };
    expect((await callJson("POST", "/v1/auth/register", body, { ip })).status).toBe(201);
    const { status, d1 } = await d1Of("/v1/auth/register", () =>
      callJson("POST", "/v1/auth/register", body, { ip }),
    );
    expect(status).toBe(409);
    expect(d1.primaryRoundTrips).toBe(1);
  });
});
