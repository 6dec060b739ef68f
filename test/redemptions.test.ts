import { describe, expect, it } from "vitest";
import {
  call,
  callJson,
  expectError,
  referrerWith,
  registerUser,
  tableCounts,
  walletBalance,
} from "./harness";

function redeem(token: string, key: string, body: unknown = {}) {
  return callJson("POST", "/v1/me/redemptions", body, {
    token,
    headers: { "Idempotency-Key": key },
  });
}

describe("GET /v1/rewards", () => {
  it("lists the default catalog, cheapest first", async () => {
    const { status, body } = await callJson("GET", "/v1/rewards");
    expect(status).toBe(200);
    expect(body.data).toEqual([
      {
        id: "rwd_discount_10",
        name: "10% discount",
        description: expect.any(String),
        cost: 100,
        kind: "coupon",
        durationDays: null,
        labels: { en: "10% discount", ur: "10% رعایت", hi: "10% छूट" },
        discount: { type: "percent", percent: 10 },
      },
      {
        id: "rwd_free_product",
        name: "Free product",
        description: expect.any(String),
        cost: 300,
        kind: "coupon",
        durationDays: null,
        labels: { en: "Free product", ur: "مفت پروڈکٹ", hi: "मुफ़्त प्रोडक्ट" },
        discount: { type: "product", sku: "free-product" },
      },
      {
        id: "rwd_lifetime_premium",
        name: "Lifetime premium",
        description: expect.any(String),
        cost: 1000,
        kind: "unlock",
        durationDays: null,
        labels: { en: "Lifetime premium", ur: "تاحیات پریمیم", hi: "आजीवन प्रीमियम" },
        discount: null,
      },
    ]);
  });
});

describe("POST /v1/me/redemptions — happy", () => {
  it("spends 100 points on the cheapest coupon by default", async () => {
    const referrer = await referrerWith(3);
    const response = await redeem(referrer.accessToken, "first-redemption");
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      redemption: {
        id: expect.stringMatching(/^rdm_/),
        rewardId: "rwd_discount_10",
        rewardName: "10% discount",
        cost: 100,
        couponCode: expect.stringMatching(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/),
        discount: { type: "percent", percent: 10 },
        createdAt: expect.any(String),
      },
      balance: 50,
    });
    const wallet = await callJson("GET", "/v1/me/wallet", undefined, {
      token: referrer.accessToken,
    });
    expect(wallet.body).toMatchObject({ balance: 50, lifetimeEarned: 150, lifetimeRedeemed: 100 });
    const ledger = await callJson("GET", "/v1/me/wallet/transactions?limit=1", undefined, {
      token: referrer.accessToken,
    });
    expect(ledger.body.data[0]).toMatchObject({
      type: "redemption",
      points: -100,
      balanceAfter: 50,
      description: "Redeemed: 10% discount",
      expiresAt: null,
    });
  });

  it("redeems a chosen reward; an unlock has no coupon code", async () => {
    const referrer = await referrerWith(11);
    const response = await redeem(referrer.accessToken, "premium-please", {
      rewardId: "rwd_lifetime_premium",
    });
    expect(response.status).toBe(201);
    expect(response.body.redemption).toMatchObject({
      rewardId: "rwd_lifetime_premium",
      couponCode: null,
    });
    expect(response.body.balance).toBe(0);
  });

  it("replays the first response for the same key and body, spending once", async () => {
    const referrer = await referrerWith(3);
    const first = await redeem(referrer.accessToken, "same-key-123");
    const second = await redeem(referrer.accessToken, "same-key-123");
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("lists my redemptions newest first with their coupon codes", async () => {
    const referrer = await referrerWith(4);
    const a = await redeem(referrer.accessToken, "list-key-1");
    const b = await redeem(referrer.accessToken, "list-key-2");
    const { body } = await callJson("GET", "/v1/me/redemptions", undefined, {
      token: referrer.accessToken,
    });
    expect(body.data.map((r: { id: string }) => r.id)).toEqual([
      b.body.redemption.id,
      a.body.redemption.id,
    ]);
    expect(body.data[0].couponCode).toBe(b.body.redemption.couponCode);
    expect(body.nextCursor).toBeNull();
  });

  it("keys are scoped to the user", async () => {
    const alice = await referrerWith(3);
    const bob = await referrerWith(3);
    const a = await redeem(alice.accessToken, "shared-key-value");
    const b = await redeem(bob.accessToken, "shared-key-value");
    expect(b.status).toBe(201);
    expect(b.body.redemption.id).not.toBe(a.body.redemption.id);
  });
});

describe("POST /v1/me/redemptions — errors", () => {
  it("refuses when the balance is too low, and writes nothing", async () => {
    const user = await registerUser();
    const before = await tableCounts();
    const response = await redeem(user.accessToken, "too-poor-key");
    expectError(response, 422, "insufficient_points");
    expect(await tableCounts()).toEqual(before);
  });

  it("frees the key after a failure, so the client can retry it once it has points", async () => {
    const referrer = await registerUser();
    expectError(await redeem(referrer.accessToken, "retry-later"), 422, "insufficient_points");
    await registerUser({ referralCode: referrer.referralCode });
    await registerUser({ referralCode: referrer.referralCode });
    expect((await redeem(referrer.accessToken, "retry-later")).status).toBe(201);
  });

  it("needs an Idempotency-Key of 8 to 128 characters", async () => {
    const referrer = await referrerWith(3);
    const missing = await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      { token: referrer.accessToken },
    );
    expectError(missing, 400, "validation_error");
    expect(missing.body.error.details[0].path).toBe("idempotency-key");
    expectError(await redeem(referrer.accessToken, "short"), 400, "validation_error");
    expectError(await redeem(referrer.accessToken, "k".repeat(129)), 400, "validation_error");
    expect(await walletBalance(referrer.accessToken)).toBe(150);
  });

  it("refuses the same key with a different body", async () => {
    const referrer = await referrerWith(10);
    await redeem(referrer.accessToken, "body-bound-key");
    const other = await redeem(referrer.accessToken, "body-bound-key", {
      rewardId: "rwd_free_product",
    });
    expectError(other, 422, "idempotency_key_reused");
    expect(await walletBalance(referrer.accessToken)).toBe(750);
  });

  it("answers 404 for an unknown reward and spends nothing", async () => {
    const referrer = await referrerWith(3);
    const response = await redeem(referrer.accessToken, "unknown-reward", { rewardId: "rwd_nope" });
    expectError(response, 404, "not_found");
    expect(await walletBalance(referrer.accessToken)).toBe(150);
  });

  it("refuses a body that is not JSON", async () => {
    const referrer = await referrerWith(3);
    const response = await call("POST", "/v1/me/redemptions", undefined, {
      token: referrer.accessToken,
      headers: { "Idempotency-Key": "bad-json-key", "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(await walletBalance(referrer.accessToken)).toBe(150);
  });
});
