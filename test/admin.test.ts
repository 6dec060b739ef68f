import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  callJson,
  expectError,
  parallelSignups,
  referrerWith,
  registerUser,
  walletBalance,
  withProgramChange,
} from "./harness";

async function auditOf(targetId: string) {
  const rows = await env.DB.prepare(
    "select actor_id, action, details from audit_log where target_id = ? order by created_at",
  )
    .bind(targetId)
    .all<{ actor_id: string; action: string; details: string }>();
  return rows.results.map((row) => ({ ...row, details: JSON.parse(row.details) }));
}

describe("admin: the program", () => {
  it("reads the rules in force and publishes new ones as the next version", async () => {
    const boss = await adminUser();
    const current = await callJson("GET", "/v1/admin/program", undefined, {
      token: boss.accessToken,
    });
    expect(current.status).toBe(200);
    expect(current.body.rules.referrerTiers[0]).toEqual({ fromReferral: 1, points: 50 });
    const rules = { ...current.body.rules, refereeBonus: 35 };
    const published = await callJson(
      "PUT",
      "/v1/admin/program",
      { rules },
      { token: boss.accessToken },
    );
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      version: current.body.version + 1,
      rules: { refereeBonus: 35 },
    });
    // Referrals created afterwards get the new bonus and remember the version.
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    expect(await walletBalance(referee.accessToken)).toBe(35);
    const row = await env.DB.prepare("select program_version from referrals where referee_id = ?")
      .bind(referee.id)
      .first<{ program_version: number }>();
    expect(row?.program_version).toBe(published.body.version);
    expect((await auditOf("current")).at(-1)).toMatchObject({
      actor_id: boss.id,
      action: "program.update",
    });
    // Restore the default bonus for the other tests.
    await callJson(
      "PUT",
      "/v1/admin/program",
      { rules: current.body.rules },
      { token: boss.accessToken },
    );
  });

  it("refuses invalid rules and changes nothing", async () => {
    const boss = await adminUser();
    const before = await callJson("GET", "/v1/admin/program", undefined, {
      token: boss.accessToken,
    });
    for (const rules of [
      { ...before.body.rules, referrerTiers: [{ fromReferral: 2, points: 50 }] },
      { ...before.body.rules, refereeBonus: -5 },
      {
        ...before.body.rules,
        badges: [
          { name: "Gold", referrals: 50 },
          { name: "Bronze", referrals: 5 },
        ],
      },
      {},
    ]) {
      expectError(
        await callJson("PUT", "/v1/admin/program", { rules }, { token: boss.accessToken }),
        400,
        "validation_error",
      );
    }
    const after = await callJson("GET", "/v1/admin/program", undefined, {
      token: boss.accessToken,
    });
    expect(after.body.version).toBe(before.body.version);
  });
});

describe("admin: the catalog", () => {
  it("adds, changes and retires rewards; the public catalog shows active ones", async () => {
    const boss = await adminUser();
    const created = await callJson(
      "POST",
      "/v1/admin/rewards",
      {
        id: "rwd_free_shipping",
        name: "Free shipping",
        description: "On your next order.",
        cost: 150,
        kind: "coupon",
      },
      { token: boss.accessToken },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "rwd_free_shipping", cost: 150, active: true });
    const again = await callJson(
      "POST",
      "/v1/admin/rewards",
      { id: "rwd_free_shipping", name: "Again", description: "", cost: 1, kind: "coupon" },
      { token: boss.accessToken },
    );
    expectError(again, 409, "reward_id_taken");
    const changed = await callJson(
      "PATCH",
      "/v1/admin/rewards/rwd_free_shipping",
      { cost: 120 },
      { token: boss.accessToken },
    );
    expect(changed.body.cost).toBe(120);
    let catalog = await callJson("GET", "/v1/rewards");
    expect(catalog.body.data.map((r: { id: string }) => r.id)).toContain("rwd_free_shipping");
    await callJson(
      "PATCH",
      "/v1/admin/rewards/rwd_free_shipping",
      { active: false },
      { token: boss.accessToken },
    );
    catalog = await callJson("GET", "/v1/rewards");
    expect(catalog.body.data.map((r: { id: string }) => r.id)).not.toContain("rwd_free_shipping");
    const all = await callJson("GET", "/v1/admin/rewards", undefined, { token: boss.accessToken });
    expect(all.body.data.find((r: { id: string }) => r.id === "rwd_free_shipping")).toMatchObject({
      active: false,
    });
    expect((await auditOf("rwd_free_shipping")).map((a) => a.action)).toEqual([
      "reward.create",
      "reward.update",
      "reward.update",
    ]);
  });

  it("refuses bad rewards and unknown ids", async () => {
    const boss = await adminUser();
    for (const body of [
      { name: "x", description: "", cost: 0, kind: "coupon" },
      { name: "x", description: "", cost: 10, kind: "cash" },
      { id: "free!", name: "x", description: "", cost: 10, kind: "coupon" },
    ]) {
      expectError(
        await callJson("POST", "/v1/admin/rewards", body, { token: boss.accessToken }),
        400,
        "validation_error",
      );
    }
    expectError(
      await callJson(
        "PATCH",
        "/v1/admin/rewards/rwd_nope",
        { cost: 5 },
        { token: boss.accessToken },
      ),
      404,
      "not_found",
    );
    expectError(
      await callJson("PATCH", "/v1/admin/rewards/rwd_discount_10", {}, { token: boss.accessToken }),
      400,
      "validation_error",
    );
  });
});

describe("admin: users", () => {
  it("changes a role, which takes effect at once", async () => {
    const boss = await adminUser();
    const user = await registerUser();
    const promoted = await callJson(
      "PATCH",
      `/v1/admin/users/${user.id}`,
      { role: "admin" },
      { token: boss.accessToken },
    );
    expect(promoted.body).toMatchObject({ id: user.id, role: "admin" });
    // The user's existing token now opens admin routes (the role is read from D1).
    expect(
      (await callJson("GET", "/v1/admin/program", undefined, { token: user.accessToken })).status,
    ).toBe(200);
    await callJson(
      "PATCH",
      `/v1/admin/users/${user.id}`,
      { role: "user" },
      { token: boss.accessToken },
    );
    expectError(
      await callJson("GET", "/v1/admin/program", undefined, { token: user.accessToken }),
      403,
      "forbidden",
    );
    expect((await auditOf(user.id)).map((a) => a.details)).toEqual([
      { from: "user", to: "admin" },
      { from: "admin", to: "user" },
    ]);
  });

  it("refuses changing one's own role and unknown users", async () => {
    const boss = await adminUser();
    expectError(
      await callJson(
        "PATCH",
        `/v1/admin/users/${boss.id}`,
        { role: "user" },
        { token: boss.accessToken },
      ),
      403,
      "forbidden",
    );
    expectError(
      await callJson(
        "PATCH",
        "/v1/admin/users/usr_nope",
        { role: "user" },
        { token: boss.accessToken },
      ),
      404,
      "not_found",
    );
  });

  it("adjusts points idempotently, never below zero", async () => {
    const boss = await adminUser();
    const user = await registerUser();
    const credit = (key: string, points: number, reason = "Goodwill for a late order") =>
      callJson(
        "POST",
        `/v1/admin/users/${user.id}/adjustments`,
        { points, reason },
        {
          token: boss.accessToken,
          headers: { "Idempotency-Key": key },
        },
      );
    const first = await credit("adjust-key-0001", 250);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      adjustment: { userId: user.id, points: 250, balanceAfter: 250 },
      balance: 250,
    });
    const replay = await credit("adjust-key-0001", 250);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expectError(await credit("adjust-key-0001", 300), 422, "idempotency_key_reused");
    expectError(await credit("adjust-key-0002", -251), 422, "insufficient_points");
    expect((await credit("adjust-key-0003", -50, "Correction")).body.balance).toBe(200);
    expect(await walletBalance(user.accessToken)).toBe(200);
    const ledger = await callJson("GET", "/v1/me/wallet/transactions", undefined, {
      token: user.accessToken,
    });
    expect(ledger.body.data[0]).toMatchObject({
      type: "adjustment",
      points: -50,
      description: "Correction",
    });
    expect((await auditOf(user.id)).filter((a) => a.action === "user.adjust")).toHaveLength(2);
  });

  it("keeps an adjustment's reason as the person will see it: no bidi overrides or invisible characters", async () => {
    const boss = await adminUser();
    const user = await registerUser();
    const adjust = (key: string, reason: string) =>
      callJson(
        "POST",
        `/v1/admin/users/${user.id}/adjustments`,
        { points: 10, reason },
        { token: boss.accessToken, headers: { "Idempotency-Key": key } },
      );
    const made = await adjust("reason-key-0001", "\u202eLate\u200b delivery\n refund\u202c");
    expect(made.status).toBe(201);
    expect(made.body.adjustment.reason).toBe("Late delivery refund");
    const ledger = await callJson("GET", "/v1/me/wallet/transactions", undefined, {
      token: user.accessToken,
    });
    expect(ledger.body.data[0]).toMatchObject({ description: "Late delivery refund" });
    // Only invisible characters: nothing is left to show, so nothing is written.
    expectError(
      await adjust("reason-key-0002", "\u200b\u202e\u200b\u200b"),
      400,
      "validation_error",
    );
    expect(await walletBalance(user.accessToken)).toBe(10);
  });

  it("validates adjustments", async () => {
    const boss = await adminUser();
    const user = await registerUser();
    for (const body of [
      { points: 0, reason: "zero" },
      { points: 1.5, reason: "half" },
      { points: 5, reason: "" },
    ]) {
      const response = await callJson("POST", `/v1/admin/users/${user.id}/adjustments`, body, {
        token: boss.accessToken,
        headers: { "Idempotency-Key": "validate-key" },
      });
      expectError(response, 400, "validation_error");
    }
    const missingKey = await callJson(
      "POST",
      `/v1/admin/users/${user.id}/adjustments`,
      { points: 5, reason: "no key" },
      { token: boss.accessToken },
    );
    expectError(missingKey, 400, "validation_error");
  });

  it("every admin route refuses users (403) and anonymous callers (401)", async () => {
    const user = await registerUser();
    const routes: [string, string, unknown][] = [
      ["GET", "/v1/admin/program", undefined],
      ["PUT", "/v1/admin/program", { rules: {} }],
      ["GET", "/v1/admin/rewards", undefined],
      ["POST", "/v1/admin/rewards", {}],
      ["PATCH", "/v1/admin/rewards/rwd_discount_10", { cost: 1 }],
      ["PATCH", `/v1/admin/users/${user.id}`, { role: "admin" }],
      ["POST", `/v1/admin/users/${user.id}/adjustments`, { points: 5, reason: "nope" }],
      ["GET", "/v1/admin/analytics", undefined],
    ];
    for (const [method, path, body] of routes) {
      expectError(await callJson(method, path, body), 401, "unauthorized");
      const asUser = await callJson(method, path, body, {
        token: user.accessToken,
        headers: { "Idempotency-Key": "not-an-admin-key" },
      });
      expect([400, 403], `${method} ${path}`).toContain(asUser.status);
    }
    expect(
      (await callJson("GET", "/v1/admin/program", undefined, { token: user.accessToken })).status,
    ).toBe(403);
    expect(await walletBalance(user.accessToken)).toBe(0);
  });
});

describe("my referral code", () => {
  it("gets a new random code; the old one stops working", async () => {
    const user = await registerUser();
    const response = await callJson("POST", "/v1/me/referral-code", undefined, {
      token: user.accessToken,
    });
    expect(response.status).toBe(200);
    expect(response.body.referralCode).not.toBe(user.referralCode);
    expect(response.body.referralLink).toBe(`https://api.test/r/${response.body.referralCode}`);
    expectError(await callJson("GET", `/v1/referral-codes/${user.referralCode}`), 404, "not_found");
    const friend = await registerUser({ referralCode: response.body.referralCode });
    expect(await walletBalance(friend.accessToken)).toBe(20);
  });

  it("chooses a vanity code, case-insensitively; taken, reserved and malformed ones are refused", async () => {
    const user = await registerUser();
    const suffix = Math.random()
      .toString(36)
      .replace(/[^a-hj-km-np-z2-9]/g, "")
      .slice(0, 6)
      .padEnd(6, "x");
    const wanted = `ay${suffix}`;
    const chosen = await callJson(
      "PUT",
      "/v1/me/referral-code",
      { code: wanted },
      { token: user.accessToken },
    );
    expect(chosen.status).toBe(200);
    expect(chosen.body.referralCode).toBe(wanted.toUpperCase());
    const other = await registerUser();
    expectError(
      await callJson("PUT", "/v1/me/referral-code", { code: wanted }, { token: other.accessToken }),
      409,
      "referral_code_taken",
    );
    for (const code of ["TEST", "ABC", "HELLO", "X".repeat(17)]) {
      const refused = await callJson(
        "PUT",
        "/v1/me/referral-code",
        { code },
        { token: other.accessToken },
      );
      expectError(refused, 400, "validation_error");
      expect(refused.body.error.details[0].path).toBe("code");
    }
    // Choosing one's own current code again is a no-op.
    const same = await callJson(
      "PUT",
      "/v1/me/referral-code",
      { code: wanted },
      { token: user.accessToken },
    );
    expect(same.body.referralCode).toBe(wanted.toUpperCase());
  });
});

describe("milestones and unlocks", () => {
  it("the 5th referral unlocks free_theme, with the milestone's bonus points", async () => {
    const milestones = [
      { referrals: 5, unlock: "free_theme", bonusPoints: 25 },
      { referrals: 20, unlock: "premium_1_month", bonusPoints: 0 },
    ];
    await withProgramChange({ milestones }, async () => {
      const referrer = await referrerWith(4);
      const none = await callJson("GET", "/v1/me/unlocks", undefined, {
        token: referrer.accessToken,
      });
      expect(none.body.data).toEqual([]);
      await registerUser({ referralCode: referrer.referralCode });
      const { body } = await callJson("GET", "/v1/me/unlocks", undefined, {
        token: referrer.accessToken,
      });
      expect(body.data).toEqual([
        {
          unlock: "free_theme",
          source: "milestone",
          grantedAt: expect.any(String),
          expiresAt: null,
        },
      ]);
      expect(await walletBalance(referrer.accessToken)).toBe(3 * 50 + 2 * 100 + 25);
      const ledger = await callJson("GET", "/v1/me/wallet/transactions?limit=1", undefined, {
        token: referrer.accessToken,
      });
      expect(ledger.body.data[0]).toMatchObject({ type: "milestone_bonus", points: 25 });
      await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(3 * 50 + 3 * 100 + 25);
    });
  });

  it("two parallel referrals completing the same milestone grant it once", async () => {
    await withProgramChange(
      { milestones: [{ referrals: 5, unlock: "free_theme", bonusPoints: 40 }] },
      async () => {
        const referrer = await referrerWith(3);
        await parallelSignups(referrer.referralCode, 4);
        const bonuses = await env.DB.prepare(
          "select count(*) as n from ledger_entries where user_id = ? and type = 'milestone_bonus'",
        )
          .bind(referrer.id)
          .first<{ n: number }>();
        expect(bonuses?.n).toBe(1);
        const { body } = await callJson("GET", "/v1/me/unlocks", undefined, {
          token: referrer.accessToken,
        });
        expect(body.data.map((u: { unlock: string }) => u.unlock)).toEqual(["free_theme"]);
        expect(await walletBalance(referrer.accessToken)).toBe(3 * 50 + 4 * 100 + 40);
      },
    );
  });

  it("redeeming an unlock reward grants its entitlement", async () => {
    const referrer = await referrerWith(11);
    const redeemed = await callJson(
      "POST",
      "/v1/me/redemptions",
      { rewardId: "rwd_lifetime_premium" },
      {
        token: referrer.accessToken,
        headers: { "Idempotency-Key": "premium-unlock-1" },
      },
    );
    expect(redeemed.status).toBe(201);
    const { body } = await callJson("GET", "/v1/me/unlocks", undefined, {
      token: referrer.accessToken,
    });
    expect(body.data).toContainEqual({
      unlock: "lifetime_premium",
      source: "redemption",
      grantedAt: expect.any(String),
      expiresAt: null,
    });
  });
});
