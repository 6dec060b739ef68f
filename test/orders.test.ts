/**
 * A shop's checkout, end to end (issue 18, items 1–4): coupons that say what they are
 * worth, a used coupon released when its order is refunded, partial refunds of a points
 * spend, and one checkout call that uses a coupon and spends points, both or neither.
 * Races are real parallel requests; the ledger invariant (test/ledger-invariant.ts) runs
 * after the file.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import {
  adminUser,
  BASE,
  callJson,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  uniqueIp,
  walletBalance,
} from "./harness";

const DAY = 86_400_000;

function idempotencyKey(): string {
  return `orders-${crypto.randomUUID()}`;
}

let coupons: { id: string; secret: string };
let wallet: { id: string; secret: string };
let both: { id: string; secret: string };
beforeAll(async () => {
  const admin = await adminUser();
  coupons = await serverKey(["coupons"]);
  wallet = await serverKey(["wallet"]);
  both = await serverKey(["coupons", "wallet"]);
  const hook = await callJson(
    "POST",
    "/v1/admin/webhooks",
    { url: "http://127.0.0.1:9/orders", events: ["*"] },
    { token: admin.accessToken },
  );
  expect(hook.status).toBe(201);
});

/** A user credited by an admin with lots of `points` each, expiring as given. */
async function userWithLots(lots: { points: number; expiresAt: number | null }[]) {
  const user = await registerUser();
  const now = Date.now();
  for (const [i, lot] of lots.entries()) {
    await env.DB.prepare(
      `insert into ledger_entries (id, user_id, type, points, balance_after, description, expires_at, created_at)
       values (?, ?, 'adjustment', ?, (select balance from wallets where user_id = ?) + ?, 'Seeded lot', ?, ?)`,
    )
      .bind(
        `txn_seed_${user.id}_${i}`,
        user.id,
        lot.points,
        user.id,
        lot.points,
        lot.expiresAt,
        now,
      )
      .run();
  }
  return user;
}

/** A coupon of the default catalog's 10% reward (100 points), or of `rewardId`. */
async function redeem(user: TestUser, rewardId = "rwd_discount_10") {
  const redeemed = await callJson(
    "POST",
    "/v1/me/redemptions",
    { rewardId },
    { token: user.accessToken, headers: { "Idempotency-Key": idempotencyKey() } },
  );
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
  return redeemed.body.redemption;
}

function post(path: string, body: unknown, secret: string, key = idempotencyKey()) {
  return callJson("POST", path, body, { token: secret, headers: { "Idempotency-Key": key } });
}

const useCoupon = (code: string, orderId: string) =>
  post(`/v1/coupons/${code}/use`, { orderId }, coupons.secret);
const releaseCoupon = (code: string, body: unknown = {}, key = idempotencyKey()) =>
  post(`/v1/coupons/${code}/release`, body, coupons.secret, key);
const checkCoupon = (code: string) =>
  callJson("GET", `/v1/coupons/${code}`, undefined, { token: coupons.secret });

async function eventsFor(code: string) {
  const rows = await env.DB.prepare(
    "select type, data from webhook_events where data like ? order by created_at, rowid",
  )
    .bind(`%${code}%`)
    .all<{ type: string; data: string }>();
  return rows.results.map((row) => ({ type: row.type, data: JSON.parse(row.data) }));
}

async function rowCount(sql: string, ...values: unknown[]) {
  const row = await env.DB.prepare(sql)
    .bind(...values)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("a coupon says what it is worth", () => {
  it("the default catalog's coupons carry their discount, and every coupon shows it", async () => {
    const catalog = await callJson("GET", "/v1/rewards");
    const byId = Object.fromEntries(
      catalog.body.data.map((reward: { id: string }) => [reward.id, reward]),
    );
    expect(byId.rwd_discount_10.discount).toEqual({ type: "percent", percent: 10 });
    expect(byId.rwd_free_product.discount).toEqual({ type: "product", sku: "free-product" });
    expect(byId.rwd_lifetime_premium?.discount ?? null).toBeNull();

    const user = await userWithLots([{ points: 300, expiresAt: null }]);
    const redemption = await redeem(user, "rwd_discount_10");
    const ten = { type: "percent", percent: 10 };
    expect(redemption.discount).toEqual(ten);
    const checked = await checkCoupon(redemption.couponCode);
    expect(checked.body.reward).toEqual({
      id: "rwd_discount_10",
      name: "10% discount",
      kind: "coupon",
      discount: ten,
    });
    const used = await useCoupon(redemption.couponCode, "order-worth-1");
    expect(used.body.reward.discount).toEqual(ten);
    const mine = await callJson("GET", "/v1/me/redemptions", undefined, {
      token: user.accessToken,
    });
    expect(mine.body.data[0].discount).toEqual(ten);
    const events = await eventsFor(redemption.couponCode);
    expect(events.map((event) => [event.type, event.data.coupon.reward.discount])).toEqual([
      ["reward.redeemed", ten],
      ["coupon.used", ten],
    ]);
  });

  it("an admin sets a reward's discount; coupons already issued keep the one they had", async () => {
    const admin = await adminUser();
    const id = `rwd_worth_${crypto.randomUUID().slice(0, 8)}`;
    const created = await callJson(
      "POST",
      "/v1/admin/rewards",
      {
        id,
        name: "15% off",
        description: "",
        cost: 10,
        kind: "coupon",
        discount: { type: "percent", percent: 15 },
      },
      { token: admin.accessToken },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.discount).toEqual({ type: "percent", percent: 15 });
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const before = await redeem(user, id);
    const amount = { type: "amount", amount: 5.99, currency: "USD" };
    const changed = await callJson(
      "PATCH",
      `/v1/admin/rewards/${id}`,
      { discount: amount },
      { token: admin.accessToken },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.discount).toEqual(amount);
    const after = await redeem(user, id);
    expect((await checkCoupon(before.couponCode)).body.reward.discount).toEqual({
      type: "percent",
      percent: 15,
    });
    expect((await checkCoupon(after.couponCode)).body.reward.discount).toEqual(amount);
  });

  it("refuses a bad discount with 400 and changes nothing", async () => {
    const admin = await adminUser();
    const patch = (discount: unknown, id = "rwd_discount_10") =>
      callJson("PATCH", `/v1/admin/rewards/${id}`, { discount }, { token: admin.accessToken });
    for (const discount of [
      { type: "percent", percent: -5 },
      { type: "percent", percent: 100.5 },
      { type: "percent", percent: 0 },
      { type: "amount", amount: 5, currency: "XYZ" },
      { type: "amount", amount: 5, currency: "usd" },
      { type: "amount", amount: 5.999, currency: "USD" },
      { type: "amount", amount: 100.5, currency: "JPY" },
      { type: "amount", amount: -1, currency: "PKR" },
      { type: "product", sku: "" },
      { type: "free" },
    ]) {
      const refused = await patch(discount);
      expectError(refused, 400, "validation_error");
      expect(refused.body.error.details[0].path, JSON.stringify(discount)).toMatch(/^discount/);
    }
    expectError(
      await patch({ type: "percent", percent: 5 }, "rwd_lifetime_premium"),
      400,
      "validation_error",
    );
    const catalog = await callJson("GET", "/v1/admin/rewards", undefined, {
      token: admin.accessToken,
    });
    const rewards = Object.fromEntries(
      catalog.body.data.map((reward: { id: string; discount: unknown }) => [
        reward.id,
        reward.discount,
      ]),
    );
    expect(rewards.rwd_discount_10).toEqual({ type: "percent", percent: 10 });
    expect(rewards.rwd_lifetime_premium ?? null).toBeNull();
  });
});

describe("POST /v1/coupons/{code}/release", () => {
  it("puts a used coupon back to issued, audited and told to webhooks, ready to use again", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const { couponCode: code, id: redemptionId } = await redeem(user);
    expect((await useCoupon(code, "order-rel-1")).status).toBe(200);
    const key = idempotencyKey();
    const released = await releaseCoupon(code, { orderId: "order-rel-1" }, key);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ code, status: "issued", usedAt: null, orderId: null });
    const replay = await releaseCoupon(code, { orderId: "order-rel-1" }, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await checkCoupon(code)).body.status).toBe("issued");
    const audit = await env.DB.prepare(
      "select actor_id as actorId, action, details from audit_log where target_id = ?",
    )
      .bind(redemptionId)
      .all<{ actorId: string; action: string; details: string }>();
    const admin = await adminUser();
    expect(audit.results.map((row) => ({ ...row, details: JSON.parse(row.details) }))).toEqual([
      {
        actorId: admin.id,
        action: "coupon.release",
        details: { couponCode: code, orderId: "order-rel-1", apiKeyId: coupons.id },
      },
    ]);
    expect((await eventsFor(code)).map((event) => event.type)).toEqual([
      "reward.redeemed",
      "coupon.used",
      "coupon.released",
    ]);
    const again = await useCoupon(code, "order-rel-2");
    expect(again.body).toMatchObject({ status: "used", orderId: "order-rel-2" });
  });

  it("20 parallel releases of a used coupon: one wins, the others are coupon_not_used", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    await useCoupon(code, "order-rel-race");
    const results = await Promise.all(Array.from({ length: 20 }, () => releaseCoupon(code)));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) {
      expectError(result, 409, "coupon_not_used");
    }
    const events = await eventsFor(code);
    expect(events.filter((event) => event.type === "coupon.released")).toHaveLength(1);
    expect(
      await rowCount(
        "select count(*) as n from audit_log where action = 'coupon.release' and details like ?",
        `%${code}%`,
      ),
    ).toBe(1);
  });

  it("refuses a coupon that is not used, or used on another order, and changes nothing", async () => {
    const admin = await adminUser();
    const user = await userWithLots([{ points: 300, expiresAt: null }]);
    const issued = await redeem(user);
    expectError(await releaseCoupon(issued.couponCode), 409, "coupon_not_used");
    const voided = await redeem(user);
    await callJson(
      "POST",
      `/v1/admin/redemptions/${voided.id}/void`,
      { reason: "Test" },
      { token: admin.accessToken },
    );
    expectError(await releaseCoupon(voided.couponCode), 409, "coupon_not_used");
    const used = await redeem(user);
    await useCoupon(used.couponCode, "order-rel-a");
    expectError(
      await releaseCoupon(used.couponCode, { orderId: "order-rel-b" }),
      409,
      "coupon_not_used",
    );
    expect((await checkCoupon(used.couponCode)).body).toMatchObject({
      status: "used",
      orderId: "order-rel-a",
    });
    expect((await checkCoupon(voided.couponCode)).body.status).toBe("void");
    expect((await checkCoupon(issued.couponCode)).body.status).toBe("issued");
    expectError(await releaseCoupon("AAAA-BBBB-CCCC-DDDD"), 404, "not_found");
    expectError(
      await callJson(
        "POST",
        `/v1/coupons/${used.couponCode}/release`,
        {},
        {
          token: coupons.secret,
        },
      ),
      400,
      "validation_error",
    );
    expectError(
      await post(`/v1/coupons/${used.couponCode}/release`, {}, wallet.secret),
      403,
      "forbidden",
    );
    expect(
      await rowCount(
        "select count(*) as n from webhook_events where type = 'coupon.released' and data like ?",
        `%${used.couponCode}%`,
      ),
    ).toBe(0);
  });
});

describe("an erased person's coupon", () => {
  it("is not released: 404, and it stays as it was", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    await useCoupon(code, "order-erased-1");
    const erased = await callJson(
      "DELETE",
      "/v1/me",
      { password: user.password },
      {
        token: user.accessToken,
      },
    );
    expect(erased.status).toBe(204);
    expectError(await releaseCoupon(code, { orderId: "order-erased-1" }), 404, "not_found");
    const row = await env.DB.prepare(
      "select coupon_status as status, coupon_order_id as orderId from redemptions where coupon_code = ?",
    )
      .bind(code)
      .first();
    expect(row).toEqual({ status: "used", orderId: "order-erased-1" });
  });
});

describe("partial refunds of a points spend", () => {
  const refund = (userId: string, spendId: string, body?: unknown) =>
    callJson("POST", `/v1/users/${userId}/wallet/spend/${spendId}/refund`, body, {
      token: wallet.secret,
    });

  async function spent(user: TestUser, points: number) {
    const result = await post(
      `/v1/users/${user.id}/wallet/spend`,
      { points, orderId: `order-${crypto.randomUUID()}` },
      wallet.secret,
    );
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    return result.body.spend.id as string;
  }

  async function reversals(userId: string) {
    const rows = await env.DB.prepare(
      "select points, expires_at as expiresAt from ledger_entries where user_id = ? and type = 'reversal' order by seq",
    )
      .bind(userId)
      .all();
    return rows.results;
  }

  it("adds up to the spend at most, latest-expiring points first, each with its expiry", async () => {
    const soon = Date.now() + 5 * DAY;
    const later = Date.now() + 60 * DAY;
    const user = await userWithLots([
      { points: 40, expiresAt: soon },
      { points: 60, expiresAt: later },
    ]);
    const spendId = await spent(user, 100);
    const first = await refund(user.id, spendId, { points: 50 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ balance: 50, refundedPoints: 50, remainingPoints: 50 });
    expectError(await refund(user.id, spendId, { points: 51 }), 409, "already_refunded");
    const second = await refund(user.id, spendId, { points: 30 });
    expect(second.body).toEqual({ balance: 80, refundedPoints: 30, remainingPoints: 20 });
    const rest = await refund(user.id, spendId);
    expect(rest.body).toEqual({ balance: 100, refundedPoints: 20, remainingPoints: 0 });
    expectError(await refund(user.id, spendId), 409, "already_refunded");
    expectError(await refund(user.id, spendId, { points: 1 }), 409, "already_refunded");
    expectError(await refund(user.id, spendId, { points: 0 }), 400, "validation_error");
    expect(await reversals(user.id)).toEqual([
      { points: 50, expiresAt: later },
      { points: 10, expiresAt: later },
      { points: 20, expiresAt: soon },
      { points: 20, expiresAt: soon },
    ]);
    expect(await walletBalance(user.accessToken)).toBe(100);
  });

  it("a partial refund retried with its Idempotency-Key gives the points back once", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const spendId = await spent(user, 100);
    const key = idempotencyKey();
    const path = `/v1/users/${user.id}/wallet/spend/${spendId}/refund`;
    const retries = await Promise.all(
      Array.from({ length: 5 }, () => post(path, { points: 30 }, wallet.secret, key)),
    );
    const done = retries.filter((result) => result.status === 200);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const result of retries.filter((r) => r.status !== 200)) {
      expectError(result, 409, "idempotency_in_progress");
    }
    for (const result of done) {
      expect(result.body).toMatchObject({ refundedPoints: 30, remainingPoints: 70 });
    }
    const replay = await post(path, { points: 30 }, wallet.secret, key);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual({ balance: 30, refundedPoints: 30, remainingPoints: 70 });
    expectError(
      await post(path, { points: 31 }, wallet.secret, key),
      422,
      "idempotency_key_reused",
    );
    expect(await walletBalance(user.accessToken)).toBe(30);
  });

  it("20 parallel partial refunds never give back more than was spent", async () => {
    const soon = Date.now() + 5 * DAY;
    const user = await userWithLots([
      { points: 35, expiresAt: soon },
      { points: 65, expiresAt: null },
    ]);
    const spendId = await spent(user, 100);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => refund(user.id, spendId, { points: 10 })),
    );
    expect(results.filter((result) => result.status === 200)).toHaveLength(10);
    for (const result of results.filter((r) => r.status !== 200)) {
      expectError(result, 409, "already_refunded");
    }
    expect(await walletBalance(user.accessToken)).toBe(100);
    const given = (await reversals(user.id)) as { points: number; expiresAt: number | null }[];
    const byExpiry = (expiresAt: number | null) =>
      given.filter((row) => row.expiresAt === expiresAt).reduce((sum, row) => sum + row.points, 0);
    expect([byExpiry(null), byExpiry(soon)]).toEqual([65, 35]);
  });
});

describe("POST /v1/users/{id}/checkout", () => {
  const checkout = (userId: string, body: unknown, key = idempotencyKey(), secret = both.secret) =>
    post(`/v1/users/${userId}/checkout`, body, secret, key);

  it("uses the coupon and spends the points on one order, and replays a retry", async () => {
    const user = await userWithLots([{ points: 300, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    const key = idempotencyKey();
    const body = { orderId: "order-co-1", couponCode: code, points: 50 };
    const done = await checkout(user.id, body, key);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({
      orderId: "order-co-1",
      coupon: { code, status: "used", orderId: "order-co-1" },
      spend: { userId: user.id, points: 50, orderId: "order-co-1" },
      balance: 150,
    });
    expect(done.body.coupon.reward.discount).toEqual({ type: "percent", percent: 10 });
    const again = await checkout(user.id, body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(done.body);
    const pointsOnly = await checkout(user.id, { orderId: "order-co-2", points: 20 });
    expect(pointsOnly.body).toMatchObject({ coupon: null, balance: 130 });
    const couponOnly = await checkout(user.id, {
      orderId: "order-co-3",
      couponCode: (await redeem(user)).couponCode,
    });
    expect(couponOnly.body).toMatchObject({ spend: null, balance: 30 });
  });

  it("20 parallel checkouts of one order: one succeeds, the rest change nothing", async () => {
    const user = await userWithLots([{ points: 1000, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        checkout(user.id, { orderId: "order-co-race", couponCode: code, points: 100 }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 201)) {
      expectError(result, 409, "coupon_already_used");
    }
    expect(await walletBalance(user.accessToken)).toBe(800);
    expect(
      await rowCount("select count(*) as n from point_spends where user_id = ?", user.id),
    ).toBe(1);
    const events = await eventsFor(code);
    expect(events.filter((event) => event.type === "coupon.used")).toHaveLength(1);
  });

  it("parallel checkouts of one order with different coupons: one succeeds", async () => {
    const user = await userWithLots([{ points: 1000, expiresAt: null }]);
    const codes = await Promise.all(
      Array.from({ length: 5 }, async () => (await redeem(user)).couponCode as string),
    );
    const results = await Promise.all(
      codes.map((code) => checkout(user.id, { orderId: "order-co-many", couponCode: code })),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 201)) {
      expectError(result, 409, "order_already_spent");
    }
    const statuses = await Promise.all(
      codes.map(async (code) => (await checkCoupon(code)).body.status),
    );
    expect(statuses.filter((status) => status === "issued")).toHaveLength(4);
  });

  it("too few points refuse the whole call: the coupon stays issued, no point moves", async () => {
    const user = await userWithLots([{ points: 150, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    const refused = await checkout(user.id, {
      orderId: "order-co-poor",
      couponCode: code,
      points: 51,
    });
    expectError(refused, 422, "insufficient_points");
    expect((await checkCoupon(code)).body).toMatchObject({ status: "issued", orderId: null });
    expect(await walletBalance(user.accessToken)).toBe(50);
    expect(await rowCount("select count(*) as n from checkouts where user_id = ?", user.id)).toBe(
      0,
    );
    expect((await eventsFor(code)).map((event) => event.type)).toEqual(["reward.redeemed"]);
    // A used coupon refuses the call too, and nothing is spent.
    await useCoupon(code, "order-elsewhere");
    expectError(
      await checkout(user.id, { orderId: "order-co-poor", couponCode: code, points: 10 }),
      409,
      "coupon_already_used",
    );
    expect(await walletBalance(user.accessToken)).toBe(50);
  });

  it("refuses bad input, a key without both scopes and an unknown user, writing nothing", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    expectError(await checkout(user.id, { orderId: "order-co-bad" }), 400, "validation_error");
    expectError(
      await checkout(user.id, { orderId: "order-co-bad", points: 0 }),
      400,
      "validation_error",
    );
    expectError(
      await checkout(user.id, { orderId: "order\u202Ebad", points: 5 }),
      400,
      "validation_error",
    );
    for (const key of [coupons, wallet]) {
      expectError(
        await checkout(
          user.id,
          { orderId: "order-co-bad", points: 5 },
          idempotencyKey(),
          key.secret,
        ),
        403,
        "forbidden",
      );
    }
    expectError(
      await checkout("usr_nobody", { orderId: "order-co-bad", points: 5 }),
      404,
      "not_found",
    );
    expectError(
      await checkout(user.id, { orderId: "order-co-bad", couponCode: "AAAA-BBBB-CCCC-DDDD" }),
      404,
      "not_found",
    );
    expect(await rowCount("select count(*) as n from checkouts where user_id = ?", user.id)).toBe(
      0,
    );
    expect(await walletBalance(user.accessToken)).toBe(100);
  });

  it("an erased user's checkout is 404 and writes nothing", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const erased = await callJson(
      "DELETE",
      "/v1/me",
      { password: user.password },
      {
        token: user.accessToken,
      },
    );
    expect(erased.status).toBe(204);
    expectError(await checkout(user.id, { orderId: "order-co-gone", points: 5 }), 404, "not_found");
    expect(await rowCount("select count(*) as n from checkouts where user_id = ?", user.id)).toBe(
      0,
    );
  });

  it("bench: the checkout's D1 rows read and written", async () => {
    const user = await userWithLots([{ points: 300, expiresAt: null }]);
    const { couponCode: code } = await redeem(user);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}/v1/users/${user.id}/checkout`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${both.secret}`,
          "Content-Type": "application/json",
          "Idempotency-Key": idempotencyKey(),
          "CF-Connecting-IP": uniqueIp(),
        },
        body: JSON.stringify({ orderId: "order-co-bench", couponCode: code, points: 50 }),
      }),
      { ...env, BENCH_METRICS: "1" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(201);
    console.info(`checkout D1: ${response.headers.get("X-D1-Rows")}`);
    expect(response.headers.get("X-D1-Rows")).toMatch(/batches=1;/);
  });
});
