/**
 * Points at checkout (scope `wallet`) and what coupons at checkout tell a back end: spends
 * that happen once per order, refunds and voids that give points back with the expiry
 * they had, and the coupon.used / coupon.voided events written with the change.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  adminUser,
  callJson,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  walletBalance,
} from "./harness";

let keyCounter = 0;
function idempotencyKey(): string {
  keyCounter += 1;
  return `checkout-${keyCounter}-${crypto.randomUUID()}`;
}

let wallet: { id: string; secret: string };
beforeAll(async () => {
  wallet = await serverKey(["wallet"]);
});

/** A user whose wallet an admin credited with `points` (one adjustment: one lot). */
async function userWithPoints(points: number): Promise<TestUser> {
  const [admin, user] = await Promise.all([adminUser(), registerUser()]);
  const credit = await callJson(
    "POST",
    `/v1/admin/users/${user.id}/adjustments`,
    { points, reason: "Checkout test credit" },
    { token: admin.accessToken, headers: { "Idempotency-Key": idempotencyKey() } },
  );
  expect(credit.status, JSON.stringify(credit.body)).toBe(201);
  return user;
}

function spend(userId: string, body: unknown, key = idempotencyKey(), secret = wallet.secret) {
  return callJson("POST", `/v1/users/${userId}/wallet/spend`, body, {
    token: secret,
    headers: { "Idempotency-Key": key },
  });
}

async function expiriesOf(userId: string, type: string): Promise<(number | null)[]> {
  const rows = await env.DB.prepare(
    "select expires_at as expiresAt from ledger_entries where user_id = ? and type = ? order by seq",
  )
    .bind(userId, type)
    .all<{ expiresAt: number | null }>();
  return rows.results.map((row) => row.expiresAt);
}

describe("POST /v1/users/{id}/wallet/spend", () => {
  it("spends points on an order and replays a retried request", async () => {
    const user = await userWithPoints(300);
    const key = idempotencyKey();
    const first = await spend(user.id, { points: 120, orderId: "order-a-1" }, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      spend: { userId: user.id, points: 120, orderId: "order-a-1" },
      balance: 180,
    });
    const again = await spend(user.id, { points: 120, orderId: "order-a-1" }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body.spend.id).toBe(first.body.spend.id);
    expect(await walletBalance(user.accessToken)).toBe(180);
  });

  it("10 parallel spends of one order spend once", async () => {
    const user = await userWithPoints(1000);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => spend(user.id, { points: 50, orderId: "order-b-1" })),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 201)) {
      expectError(result, 409, "order_already_spent");
    }
    expect(await walletBalance(user.accessToken)).toBe(950);
  });

  it("an order id is the user's own: two users may spend on the same one, each once", async () => {
    const [first, second] = await Promise.all([userWithPoints(100), userWithPoints(100)]);
    const orderId = "order-shared-1";
    const spends = await Promise.all([
      spend(first.id, { points: 10, orderId }),
      spend(second.id, { points: 20, orderId }),
    ]);
    expect(spends.map((answer) => answer.status)).toEqual([201, 201]);
    expectError(await spend(first.id, { points: 5, orderId }), 409, "order_already_spent");
    expect(await walletBalance(first.accessToken)).toBe(90);
    expect(await walletBalance(second.accessToken)).toBe(80);
  });

  it("parallel spends of different orders never take the balance below zero", async () => {
    const user = await userWithPoints(700);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        spend(user.id, { points: 100, orderId: `order-c-${i}` }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(7);
    for (const result of results.filter((r) => r.status !== 201)) {
      expectError(result, 422, "insufficient_points");
    }
    expect(await walletBalance(user.accessToken)).toBe(0);
  });

  it("answers 404 for an unknown user and 422 beyond the balance, spending nothing", async () => {
    const user = await userWithPoints(50);
    expectError(await spend("usr_nobody", { points: 1, orderId: "order-d-1" }), 404, "not_found");
    expectError(
      await spend(user.id, { points: 51, orderId: "order-d-2" }),
      422,
      "insufficient_points",
    );
    expectError(await spend(user.id, { points: 0, orderId: "order-d-3" }), 400, "validation_error");
    expect(await walletBalance(user.accessToken)).toBe(50);
  });

  it("needs a server key with scope wallet", async () => {
    const user = await userWithPoints(50);
    const coupons = await serverKey(["coupons"]);
    const body = { points: 10, orderId: "order-e-1" };
    expectError(await spend(user.id, body, idempotencyKey(), coupons.secret), 403, "forbidden");
    expectError(
      await spend(user.id, body, idempotencyKey(), user.accessToken),
      401,
      "unauthorized",
    );
    expect(await walletBalance(user.accessToken)).toBe(50);
  });
});

describe("POST /v1/users/{id}/wallet/spend/{spendId}/refund", () => {
  it("gives the points back once, with the expiry they had", async () => {
    const user = await userWithPoints(200);
    const spent = await spend(user.id, { points: 80, orderId: "order-f-1" });
    expect(spent.status).toBe(201);
    const refund = () =>
      callJson(
        "POST",
        `/v1/users/${user.id}/wallet/spend/${spent.body.spend.id}/refund`,
        undefined,
        { token: wallet.secret },
      );
    const results = await Promise.all([refund(), refund(), refund()]);
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) {
      expectError(result, 409, "already_refunded");
    }
    expect(await walletBalance(user.accessToken)).toBe(200);
    const [credited] = await expiriesOf(user.id, "adjustment");
    expect(await expiriesOf(user.id, "reversal")).toEqual([credited]);
  });

  it("answers 404 for a spend of another user", async () => {
    const [owner, other] = await Promise.all([userWithPoints(100), userWithPoints(100)]);
    const spent = await spend(owner.id, { points: 10, orderId: "order-g-1" });
    const refund = await callJson(
      "POST",
      `/v1/users/${other.id}/wallet/spend/${spent.body.spend.id}/refund`,
      undefined,
      { token: wallet.secret },
    );
    expectError(refund, 404, "not_found");
  });
});

describe("coupons and the back end", () => {
  async function userWithCoupon() {
    const user = await userWithPoints(100);
    const redeemed = await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      { token: user.accessToken, headers: { "Idempotency-Key": idempotencyKey() } },
    );
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    return { user, code: redeemed.body.redemption.couponCode, id: redeemed.body.redemption.id };
  }

  async function subscribeToEverything() {
    const admin = await adminUser();
    const created = await callJson(
      "POST",
      "/v1/admin/webhooks",
      { url: "http://127.0.0.1:9/checkout", events: ["coupon.used", "coupon.voided"] },
      { token: admin.accessToken },
    );
    expect(created.status).toBe(201);
  }

  async function eventsFor(code: string) {
    const rows = await env.DB.prepare(
      "select type, data from webhook_events where type like 'coupon.%' and data like ?",
    )
      .bind(`%${code}%`)
      .all<{ type: string; data: string }>();
    return rows.results.map((row) => ({ type: row.type, data: JSON.parse(row.data) }));
  }

  it("a voided coupon gives its points back with the expiry they had, and says so to webhooks", async () => {
    await subscribeToEverything();
    const admin = await adminUser();
    const { user, code, id } = await userWithCoupon();
    const voided = await callJson(
      "POST",
      `/v1/admin/redemptions/${id}/void`,
      { reason: "Order cancelled" },
      { token: admin.accessToken },
    );
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body.balance).toBe(100);
    const [credited] = await expiriesOf(user.id, "adjustment");
    expect(await expiriesOf(user.id, "reversal")).toEqual([credited]);
    const events = await eventsFor(code);
    expect(events).toEqual([
      {
        type: "coupon.voided",
        data: { coupon: expect.objectContaining({ code, status: "void" }) },
      },
    ]);
  });

  it("a used coupon is told to webhooks once, in the batch of its use", async () => {
    await subscribeToEverything();
    const coupons = await serverKey(["coupons"]);
    const { code } = await userWithCoupon();
    const use = () =>
      callJson(
        "POST",
        `/v1/coupons/${code}/use`,
        { orderId: "order-h-1" },
        { token: coupons.secret, headers: { "Idempotency-Key": idempotencyKey() } },
      );
    const results = await Promise.all([use(), use(), use(), use()]);
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    const events = await eventsFor(code);
    expect(events).toEqual([
      {
        type: "coupon.used",
        data: { coupon: expect.objectContaining({ code, status: "used", orderId: "order-h-1" }) },
      },
    ]);
  });
});
