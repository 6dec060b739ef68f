/**
 * Integration with a shop's back end: server API keys, coupons at checkout, participants,
 * unlocks with a duration and embed tokens.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  type CallOptions,
  callAndSettle,
  callJson,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

const DAY_MS = 86_400_000;

async function sha256Hex(input: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function asKey(secret: string, extra: CallOptions = {}): CallOptions {
  return { ...extra, token: secret };
}

let keyCounter = 0;
function idempotencyKey(): string {
  keyCounter += 1;
  return `checkout-${keyCounter}-${crypto.randomUUID()}`;
}

/** A user holding a coupon bought with points an admin gave them. */
async function userWithCoupon(): Promise<{ user: TestUser; code: string; redemptionId: string }> {
  const [admin, user] = await Promise.all([adminUser(), registerUser()]);
  const credit = await callJson(
    "POST",
    `/v1/admin/users/${user.id}/adjustments`,
    { points: 500, reason: "Coupon test credit" },
    { token: admin.accessToken, headers: { "Idempotency-Key": idempotencyKey() } },
  );
  expect(credit.status).toBe(201);
  const redeemed = await callJson(
    "POST",
    "/v1/me/redemptions",
    {},
    {
      token: user.accessToken,
      headers: { "Idempotency-Key": idempotencyKey() },
    },
  );
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
  return {
    user,
    code: redeemed.body.redemption.couponCode,
    redemptionId: redeemed.body.redemption.id,
  };
}

function useCoupon(code: string, secret: string, key = idempotencyKey(), body: unknown = {}) {
  return callJson("POST", `/v1/coupons/${encodeURIComponent(code)}/use`, body, {
    token: secret,
    headers: { "Idempotency-Key": key },
  });
}

describe("server API keys", () => {
  it("an admin creates a key whose secret is shown once and stored only as a hash", async () => {
    const admin = await adminUser();
    const created = await callJson(
      "POST",
      "/v1/admin/api-keys",
      { name: "Checkout", scopes: ["coupons", "users"] },
      { token: admin.accessToken },
    );
    expect(created.status).toBe(201);
    const { apiKey, secret } = created.body;
    expect(secret).toMatch(/^rk_[\w-]{43,}$/);
    expect(apiKey).toEqual({
      id: expect.stringMatching(/^key_/),
      name: "Checkout",
      scopes: ["coupons", "users"],
      prefix: secret.slice(0, 11),
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    const row = await env.DB.prepare("select * from api_keys where id = ?")
      .bind(apiKey.id)
      .first<Record<string, unknown>>();
    expect(row?.secret_hash).toBe(await sha256Hex(secret));
    expect(Object.values(row ?? {})).not.toContain(secret);

    const listed = await callJson("GET", "/v1/admin/api-keys", undefined, {
      token: admin.accessToken,
    });
    expect(listed.body.data).toContainEqual(apiKey);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const audit = await env.DB.prepare(
      "select action from audit_log where target_type = 'api_key' and target_id = ?",
    )
      .bind(apiKey.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["api_key.create"]);
  });

  it("only admins manage keys, and only with known scopes", async () => {
    const [admin, user] = await Promise.all([adminUser(), registerUser()]);
    expectError(
      await callJson(
        "POST",
        "/v1/admin/api-keys",
        { name: "x", scopes: ["users"] },
        {
          token: user.accessToken,
        },
      ),
      403,
      "forbidden",
    );
    expectError(
      await callJson(
        "POST",
        "/v1/admin/api-keys",
        { name: "x", scopes: ["root"] },
        {
          token: admin.accessToken,
        },
      ),
      400,
      "validation_error",
    );
    expectError(
      await callJson("DELETE", "/v1/admin/api-keys/key_nothing", undefined, {
        token: admin.accessToken,
      }),
      404,
      "not_found",
    );
  });

  it("a revoked key is refused on the very next request", async () => {
    const admin = await adminUser();
    const key = await serverKey(["users"]);
    const before = await callJson(
      "GET",
      "/v1/users?externalId=nobody",
      undefined,
      asKey(key.secret),
    );
    expect(before.status).toBe(200);
    const revoked = await callJson("DELETE", `/v1/admin/api-keys/${key.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(revoked.status).toBe(204);
    expectError(
      await callJson("GET", "/v1/users?externalId=nobody", undefined, asKey(key.secret)),
      401,
      "unauthorized",
    );
    const listed = await callJson("GET", "/v1/admin/api-keys", undefined, {
      token: admin.accessToken,
    });
    expect(listed.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const withRevoked = await callJson("GET", "/v1/admin/api-keys?includeRevoked=true", undefined, {
      token: admin.accessToken,
    });
    expect(withRevoked.body.data.find((k: { id: string }) => k.id === key.id)).toMatchObject({
      id: key.id,
      revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expectError(
      await callJson("GET", "/v1/admin/api-keys?includeRevoked=yes", undefined, {
        token: admin.accessToken,
      }),
      400,
      "validation_error",
    );
    const audit = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'api_key.revoke' and target_id = ?",
    )
      .bind(key.id)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
  });

  it("a key without the route's scope is forbidden; unknown keys are unauthorized", async () => {
    const key = await serverKey(["coupons"]);
    expectError(
      await callJson("GET", "/v1/users?externalId=x", undefined, asKey(key.secret)),
      403,
      "forbidden",
    );
    expectError(
      await callJson("GET", "/v1/users?externalId=x", undefined, asKey(`${key.secret}x`)),
      401,
      "unauthorized",
    );
    expectError(await callJson("GET", "/v1/users?externalId=x"), 401, "unauthorized");
  });

  it("user tokens cannot call server routes, and server keys cannot call user routes", async () => {
    const [user, key] = await Promise.all([registerUser(), serverKey(["users", "embed"])]);
    expectError(
      await callJson("GET", `/v1/users/${user.id}`, undefined, { token: user.accessToken }),
      401,
      "unauthorized",
    );
    expectError(await callJson("GET", "/v1/me", undefined, asKey(key.secret)), 401, "unauthorized");
    expectError(
      await callJson("GET", "/v1/admin/api-keys", undefined, asKey(key.secret)),
      401,
      "unauthorized",
    );
  });

  it("records when a key was last used, at most once a minute", async () => {
    const key = await serverKey(["users"]);
    const lastUsed = () =>
      env.DB.prepare("select last_used_at as at from api_keys where id = ?")
        .bind(key.id)
        .first<{ at: number | null }>();
    await callAndSettle("GET", "/v1/users?externalId=x", { token: key.secret });
    const first = (await lastUsed())?.at;
    expect(first).toEqual(expect.any(Number));
    await callAndSettle("GET", "/v1/users?externalId=y", { token: key.secret });
    expect((await lastUsed())?.at).toBe(first);
  });

  it("a key with scope events reports events; EVENTS_API_KEY still does", async () => {
    const [user, events, other] = await Promise.all([
      registerUser(),
      serverKey(["events"]),
      serverKey(["users"]),
    ]);
    const event = (externalId: string) => ({ type: "purchase", userId: user.id, externalId });
    const withKey = await callJson(
      "POST",
      "/v1/events",
      event(`o-${crypto.randomUUID()}`),
      asKey(events.secret),
    );
    expect(withKey.status).toBe(202);
    const withSecret = await callJson("POST", "/v1/events", event(`o-${crypto.randomUUID()}`), {
      token: env.EVENTS_API_KEY,
    });
    expect(withSecret.status).toBe(202);
    expectError(
      await callJson("POST", "/v1/events", event(`o-${crypto.randomUUID()}`), asKey(other.secret)),
      403,
      "forbidden",
    );
  });

  it("the OpenAPI document names the serverKey scheme on server routes", async () => {
    const { body } = await callJson("GET", "/openapi.json");
    expect(body.components.securitySchemes.serverKey).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(body.paths["/v1/coupons/{code}"].get.security).toEqual([{ serverKey: [] }]);
    expect(body.paths["/v1/users"].post.security).toEqual([{ serverKey: [] }]);
    expect(body.paths["/v1/embed-tokens"].post.security).toEqual([{ serverKey: [] }]);
    expect(body.paths["/v1/events"].post.security).toContainEqual({ serverKey: [] });
  });
});

describe("coupons at checkout", () => {
  it("a coupon is checked, then used once; a retry with the same key replays", async () => {
    const [{ user, code, redemptionId }, key] = await Promise.all([
      userWithCoupon(),
      serverKey(["coupons"]),
    ]);
    const checked = await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(key.secret));
    expect(checked.status).toBe(200);
    expect(checked.body).toEqual({
      code,
      status: "issued",
      reward: {
        id: "rwd_discount_10",
        name: expect.any(String),
        kind: "coupon",
        discount: { type: "percent", percent: 10 },
      },
      userId: user.id,
      redemptionId,
      issuedAt: expect.any(String),
      usedAt: null,
      orderId: null,
    });
    // Any case, with or without dashes.
    const loose = code.replaceAll("-", "").toLowerCase();
    expect(
      (await callJson("GET", `/v1/coupons/${loose}`, undefined, asKey(key.secret))).status,
    ).toBe(200);

    const idem = idempotencyKey();
    const used = await useCoupon(code, key.secret, idem, { orderId: "order-1001" });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ code, status: "used", orderId: "order-1001" });
    expect(used.body.usedAt).toEqual(expect.any(String));
    const replay = await useCoupon(code, key.secret, idem, { orderId: "order-1001" });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.body).toEqual(used.body);

    expectError(await useCoupon(code, key.secret), 409, "coupon_already_used");
    expectError(
      await useCoupon(code, key.secret, idem, { orderId: "other" }),
      422,
      "idempotency_key_reused",
    );
    const after = await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(key.secret));
    expect(after.body).toEqual(used.body);
  });

  it("unknown and malformed codes are not found, never a 5xx", async () => {
    const key = await serverKey(["coupons"]);
    for (const code of [
      "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
      "x",
      "%27%3B--",
      "0000-OOOO-1111-IIII",
      "A".repeat(300),
    ]) {
      expectError(
        await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(key.secret)),
        404,
        "not_found",
      );
      expectError(await useCoupon(code, key.secret), 404, "not_found");
    }
  });

  it("coupons need a key with scope coupons and an Idempotency-Key to use", async () => {
    const [{ code }, key, users] = await Promise.all([
      userWithCoupon(),
      serverKey(["coupons"]),
      serverKey(["users"]),
    ]);
    expectError(
      await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(users.secret)),
      403,
      "forbidden",
    );
    expectError(
      await callJson("POST", `/v1/coupons/${code}/use`, {}, asKey(key.secret)),
      400,
      "validation_error",
    );
    const still = await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(key.secret));
    expect(still.body.status).toBe("issued");
  });

  it("of 10 parallel uses with different keys, exactly one wins", async () => {
    const [{ code }, key] = await Promise.all([userWithCoupon(), serverKey(["coupons"])]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        useCoupon(code, key.secret, idempotencyKey(), { orderId: `o-${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    for (const loser of results.filter((r) => r.status === 409)) {
      expectError(loser, 409, "coupon_already_used");
    }
    const winner = results.find((r) => r.status === 200);
    const stored = await callJson("GET", `/v1/coupons/${code}`, undefined, asKey(key.secret));
    expect(stored.body.orderId).toBe(winner?.body.orderId);
  });

  it("an admin voids an unused coupon: the points come back, the coupon cannot be used", async () => {
    const [{ user, code, redemptionId }, key, admin] = await Promise.all([
      userWithCoupon(),
      serverKey(["coupons"]),
      adminUser(),
    ]);
    const before = await walletBalance(user.accessToken);
    const voided = await callJson(
      "POST",
      `/v1/admin/redemptions/${redemptionId}/void`,
      { reason: "Order cancelled" },
      { token: admin.accessToken },
    );
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body.redemption).toMatchObject({
      id: redemptionId,
      couponCode: code,
      couponStatus: "void",
    });
    expect(voided.body.balance).toBe(before + 100);
    expect(await walletBalance(user.accessToken)).toBe(before + 100);
    const { body: txns } = await callJson("GET", "/v1/me/wallet/transactions", undefined, {
      token: user.accessToken,
    });
    expect(txns.data[0]).toMatchObject({ type: "reversal", points: 100 });

    expectError(await useCoupon(code, key.secret), 409, "coupon_void");
    expectError(
      await callJson(
        "POST",
        `/v1/admin/redemptions/${redemptionId}/void`,
        { reason: "Again please" },
        {
          token: admin.accessToken,
        },
      ),
      409,
      "coupon_void",
    );
    const audit = await env.DB.prepare(
      "select count(*) as n from audit_log where action = 'redemption.void' and target_id = ?",
    )
      .bind(redemptionId)
      .first<{ n: number }>();
    expect(audit?.n).toBe(1);
  });

  it("a used coupon cannot be voided; voids need an admin and a reason", async () => {
    const [{ user, code, redemptionId }, key, admin] = await Promise.all([
      userWithCoupon(),
      serverKey(["coupons"]),
      adminUser(),
    ]);
    expect((await useCoupon(code, key.secret)).status).toBe(200);
    const void_ = (body: unknown, token: string) =>
      callJson("POST", `/v1/admin/redemptions/${redemptionId}/void`, body, { token });
    expectError(await void_({ reason: "Too late" }, admin.accessToken), 409, "coupon_already_used");
    expectError(await void_({ reason: "Mine" }, user.accessToken), 403, "forbidden");
    expectError(await void_({}, admin.accessToken), 400, "validation_error");
    expectError(
      await callJson(
        "POST",
        "/v1/admin/redemptions/rdm_nothing/void",
        { reason: "None" },
        {
          token: admin.accessToken,
        },
      ),
      404,
      "not_found",
    );
  });

  it("parallel voids return the points once", async () => {
    const [{ user, redemptionId }, admin] = await Promise.all([userWithCoupon(), adminUser()]);
    const before = await walletBalance(user.accessToken);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        callJson(
          "POST",
          `/v1/admin/redemptions/${redemptionId}/void`,
          { reason: "Race" },
          {
            token: admin.accessToken,
          },
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    expect(await walletBalance(user.accessToken)).toBe(before + 100);
  });
});

describe("participants from a back end", () => {
  it("creates a participant without phone or password, once per externalId", async () => {
    const key = await serverKey(["users"]);
    const externalId = `cust-${crypto.randomUUID()}`;
    const created = await callJson(
      "POST",
      "/v1/users",
      { externalId, name: "Hina Shah" },
      asKey(key.secret),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      externalId,
      name: "Hina Shah",
      phone: null,
      role: "user",
    });
    const again = await callJson(
      "POST",
      "/v1/users",
      { externalId, name: "Other Name" },
      asKey(key.secret),
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    const row = await env.DB.prepare("select password_hash, phone from users where id = ?")
      .bind(created.body.id)
      .first();
    expect(row).toEqual({ password_hash: null, phone: null });

    const found = await callJson(
      "GET",
      `/v1/users?externalId=${externalId}`,
      undefined,
      asKey(key.secret),
    );
    expect(found.body).toEqual({ data: [created.body] });
    const byId = await callJson(
      "GET",
      `/v1/users/${created.body.id}`,
      undefined,
      asKey(key.secret),
    );
    expect(byId.body).toEqual(created.body);
  });

  it("refuses a participant's premium-rate or satellite phone with 422 unsupported_phone, writing nothing", async () => {
    const key = await serverKey(["users"]);
    for (const phone of ["+19005551234", "+870772345678"]) {
      const externalId = `cust-${crypto.randomUUID()}`;
      const response = await callJson(
        "POST",
        "/v1/users",
        { externalId, name: "Hina Shah", phone },
        asKey(key.secret),
      );
      expectError(response, 422, "unsupported_phone");
      const found = await callJson(
        "GET",
        `/v1/users?externalId=${externalId}`,
        undefined,
        asKey(key.secret),
      );
      expect(found.body).toEqual({ data: [] });
    }
  });

  it("10 parallel creates of one externalId make one user", async () => {
    const key = await serverKey(["users"]);
    const externalId = `cust-${crypto.randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        callJson("POST", "/v1/users", { externalId, name: `Racer ${i}` }, asKey(key.secret)),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const count = await env.DB.prepare("select count(*) as n from users where external_id = ?")
      .bind(externalId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("applies the referral and both rewards as register does, with the given source", async () => {
    const [referrer, key] = await Promise.all([registerUser(), serverKey(["users", "embed"])]);
    const phone = uniquePhone();
    const created = await callJson(
      "POST",
      "/v1/users",
      {
        externalId: `cust-${crypto.randomUUID()}`,
        name: "Zara Iqbal",
        phone,
        referralCode: referrer.referralCode.toLowerCase(),
        source: "WhatsApp",
      },
      asKey(key.secret),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ phone, referredBy: referrer.referralCode });
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    const embed = await callJson(
      "POST",
      "/v1/embed-tokens",
      { userId: created.body.id },
      asKey(key.secret),
    );
    expect(await walletBalance(embed.body.token)).toBe(20);
    const referrals = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    expect(referrals.body.data[0]).toMatchObject({ status: "qualified", source: "whatsapp" });

    const byPhone = await callJson(
      "GET",
      `/v1/users?phone=${encodeURIComponent(phone)}`,
      undefined,
      asKey(key.secret),
    );
    expect(byPhone.body.data.map((u: { id: string }) => u.id)).toEqual([created.body.id]);
    // No password: the participant cannot log in with one.
    expectError(
      await callJson("POST", "/v1/auth/login", { phone, password: "correct horse battery" }),
      401,
      "invalid_credentials",
    );
  });

  it("answers bad input with 4xx and writes nothing", async () => {
    const [taken, key] = await Promise.all([registerUser(), serverKey(["users"])]);
    const create = (body: unknown) => callJson("POST", "/v1/users", body, asKey(key.secret));
    const externalId = `cust-${crypto.randomUUID()}`;
    expectError(await create({ externalId, name: "A", phone: taken.phone }), 409, "phone_taken");
    expectError(
      await create({ externalId, name: "A", referralCode: "ZZZZZZZZ" }),
      422,
      "invalid_referral_code",
    );
    expectError(
      await create({ externalId, name: "A", source: "no spaces!" }),
      400,
      "validation_error",
    );
    expectError(await create({ name: "A" }), 400, "validation_error");
    const found = await callJson(
      "GET",
      `/v1/users?externalId=${externalId}`,
      undefined,
      asKey(key.secret),
    );
    expect(found.body).toEqual({ data: [] });
    expectError(
      await callJson("GET", "/v1/users", undefined, asKey(key.secret)),
      400,
      "validation_error",
    );
    expectError(
      await callJson(
        "GET",
        `/v1/users?externalId=a&phone=${encodeURIComponent(taken.phone)}`,
        undefined,
        asKey(key.secret),
      ),
      400,
      "validation_error",
    );
    expectError(
      await callJson("GET", "/v1/users/usr_nobody", undefined, asKey(key.secret)),
      404,
      "not_found",
    );
  });
});

describe("signup source for pages on another site", () => {
  it("register takes the source from the body with a typed code", async () => {
    const referrer = await registerUser();
    const response = await callJson("POST", "/v1/auth/register", {
      name: "Sana Mir",
      phone: uniquePhone(),
      password: "correct horse battery",
      referralCode: referrer.referralCode,
      source: "sms",
    });
    expect(response.status).toBe(201);
    const referrals = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    expect(referrals.body.data[0].source).toBe("sms");
  });

  it("the ref_src cookie's source wins over the body's", async () => {
    const referrer = await registerUser();
    const response = await callJson(
      "POST",
      "/v1/auth/register",
      {
        name: "Sana Mir",
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode: referrer.referralCode,
        source: "sms",
      },
      { headers: { Cookie: `ref=${referrer.referralCode}; ref_src=email` } },
    );
    expect(response.status).toBe(201);
    const referrals = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    expect(referrals.body.data[0].source).toBe("email");
  });
});

describe("unlocks with a duration", () => {
  it("the default program's month of premium lasts 30 days", async () => {
    const admin = await adminUser();
    const { body } = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    expect(body.rules.milestones).toContainEqual({
      referrals: 20,
      unlock: "premium_1_month",
      bonusPoints: 0,
      durationDays: 30,
    });
  });

  it("a milestone unlock expires after its duration, for the user and for the back end", async () => {
    const key = await serverKey(["users"]);
    await withProgramChange(
      {
        milestones: [
          { referrals: 1, unlock: "premium_1_month", bonusPoints: 0, durationDays: 30 },
          { referrals: 2, unlock: "free_theme", bonusPoints: 0 },
        ],
      },
      async () => {
        const referrer = await registerUser();
        await registerUser({ referralCode: referrer.referralCode });
        await registerUser({ referralCode: referrer.referralCode });
        const mine = await callJson("GET", "/v1/me/unlocks", undefined, {
          token: referrer.accessToken,
        });
        const premium = mine.body.data.find(
          (u: { unlock: string }) => u.unlock === "premium_1_month",
        );
        expect(premium).toMatchObject({ source: "milestone" });
        expect(Date.parse(premium.expiresAt) - Date.parse(premium.grantedAt)).toBe(30 * DAY_MS);
        expect(
          mine.body.data.find((u: { unlock: string }) => u.unlock === "free_theme"),
        ).toMatchObject({
          expiresAt: null,
        });
        const server = await callJson(
          "GET",
          `/v1/users/${referrer.id}/unlocks`,
          undefined,
          asKey(key.secret),
        );
        expect(server.body).toEqual(mine.body);

        // A month later it is gone; the lasting unlock stays.
        await env.DB.prepare(
          "update unlocks set expires_at = ? where user_id = ? and expires_at is not null",
        )
          .bind(Date.now() - 1, referrer.id)
          .run();
        const later = await callJson(
          "GET",
          `/v1/users/${referrer.id}/unlocks`,
          undefined,
          asKey(key.secret),
        );
        expect(later.body.data.map((u: { unlock: string }) => u.unlock)).toEqual(["free_theme"]);
      },
    );
  });

  it("unlocks of an unknown user are not found", async () => {
    const key = await serverKey(["users"]);
    expectError(
      await callJson("GET", "/v1/users/usr_nobody/unlocks", undefined, asKey(key.secret)),
      404,
      "not_found",
    );
  });
});

describe("embed tokens", () => {
  it("acts as the user for at most an hour", async () => {
    const [user, key] = await Promise.all([registerUser(), serverKey(["embed"])]);
    const issued = await callJson(
      "POST",
      "/v1/embed-tokens",
      { userId: user.id },
      asKey(key.secret),
    );
    expect(issued.status).toBe(201);
    const lifetime = Date.parse(issued.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(3_600_000);
    const me = await callJson("GET", "/v1/me", undefined, { token: issued.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it("is refused by admin routes, even when the user became an admin after it was issued", async () => {
    const [user, key, admin] = await Promise.all([
      registerUser(),
      serverKey(["embed"]),
      adminUser(),
    ]);
    const issued = await callJson(
      "POST",
      "/v1/embed-tokens",
      { userId: user.id },
      asKey(key.secret),
    );
    expect(issued.status).toBe(201);
    const promoted = await callJson(
      "PATCH",
      `/v1/admin/users/${user.id}`,
      { role: "admin" },
      { token: admin.accessToken },
    );
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expectError(
      await callJson("GET", "/v1/admin/program", undefined, { token: issued.body.token }),
      403,
      "forbidden",
    );
    expectError(
      await callJson(
        "POST",
        "/v1/admin/api-keys",
        { name: "x", scopes: ["embed"] },
        { token: issued.body.token },
      ),
      403,
      "forbidden",
    );
  });

  it("needs scope embed and a known user", async () => {
    const [user, key, other] = await Promise.all([
      registerUser(),
      serverKey(["embed"]),
      serverKey(["users"]),
    ]);
    expectError(
      await callJson("POST", "/v1/embed-tokens", { userId: user.id }, asKey(other.secret)),
      403,
      "forbidden",
    );
    expectError(
      await callJson("POST", "/v1/embed-tokens", { userId: "usr_nobody" }, asKey(key.secret)),
      404,
      "not_found",
    );
    expectError(
      await callJson("POST", "/v1/embed-tokens", { userId: user.id }, { token: user.accessToken }),
      401,
      "unauthorized",
    );
  });
});
