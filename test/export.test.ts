import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { callAndSettle, callJson, expectError, referrerWith, registerUser } from "./harness";

describe("GET /v1/me/export", () => {
  it("holds everything about me, with other people masked and no secret", async () => {
    // Two referrals at 50 points each: enough for the 100-point coupon.
    const referrer = await registerUser({ name: "Ayesha Khan" });
    const me = await registerUser({ name: "Bilal Ahmed", referralCode: referrer.referralCode });
    await registerUser({ name: "Chand Bibi", referralCode: me.referralCode });
    await registerUser({ name: "Deepak Sharma", referralCode: me.referralCode });
    const redeemed = await callJson(
      "POST",
      "/v1/me/redemptions",
      { rewardId: "rwd_discount_10" },
      { token: me.accessToken, headers: { "Idempotency-Key": crypto.randomUUID() } },
    );
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    await callAndSettle("POST", "/v1/me/invites", {
      token: me.accessToken,
      body: { channel: "sms", to: "+923451234567" },
    });
    vi.restoreAllMocks();

    const { status, body } = await callJson("GET", "/v1/me/export", undefined, {
      token: me.accessToken,
    });
    expect(status).toBe(200);
    expect(body.profile).toEqual({
      id: me.id,
      name: "Bilal Ahmed",
      phone: me.phone,
      role: "user",
      referralCode: me.referralCode,
      createdAt: expect.any(String),
    });
    expect(body.referredBy).toEqual({ code: referrer.referralCode });
    expect(body.referralsMade.map((r: { name: string }) => r.name)).toEqual([
      "Chand B.",
      "Deepak S.",
    ]);
    const ledger = await env.DB.prepare(
      "select count(*) as n from ledger_entries where user_id = ?",
    )
      .bind(me.id)
      .first<{ n: number }>();
    expect(body.transactions).toHaveLength(ledger?.n ?? -1);
    expect(body.wallet.balance).toBe(body.transactions.at(-1).balanceAfter);
    expect(body.redemptions).toEqual([
      expect.objectContaining({ rewardId: "rwd_discount_10", couponCode: expect.any(String) }),
    ]);
    expect(body.invites).toEqual([
      expect.objectContaining({ channel: "sms", recipient: "+923451234567" }),
    ]);
    expect(body.sessions).toEqual([
      expect.objectContaining({ id: expect.any(String), lastUsedAt: expect.any(String) }),
    ]);
    expect(body.referralCodes).toEqual([
      expect.objectContaining({ code: me.referralCode, kind: "code", status: "active" }),
    ]);

    // Nothing secret: no hash, no token, and nobody else's phone or full name.
    const text = JSON.stringify(body);
    const user = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(me.id)
      .first<{ password_hash: string }>();
    for (const secret of [user?.password_hash, me.refreshToken, me.accessToken, referrer.phone]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/hash|password|Chand Bibi|Ayesha Khan/i);
  });

  it("needs a signed-in user", async () => {
    expectError(await callJson("GET", "/v1/me/export"), 401, "unauthorized");
  });

  it("works for a user with nothing yet", async () => {
    const loner = await referrerWith(0);
    const { body } = await callJson("GET", "/v1/me/export", undefined, {
      token: loner.accessToken,
    });
    expect(body).toMatchObject({
      referredBy: null,
      referralsMade: [],
      wallet: { balance: 0, lifetimeEarned: 0, lifetimeRedeemed: 0 },
      transactions: [],
      redemptions: [],
      invites: [],
      unlocks: [],
    });
  });
});
