import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
  adminUser,
  call,
  callAndSettle,
  callJson,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  tableCounts,
  walletBalance,
} from "./harness";

/** A person in the middle of a chain: referred by `referrer`, referrer of `referee`. */
async function chain() {
  const referrer = await registerUser({ name: "Bilal Ahmed" });
  const person = await registerUser({ name: "Chand Bibi", referralCode: referrer.referralCode });
  const referee = await registerUser({ name: "Deepak Sharma", referralCode: person.referralCode });
  return { referrer, person, referee };
}

/** Everything about other users that an erasure must leave exactly as it was. */
async function booksOf(users: TestUser[]) {
  const ids = users.map((u) => u.id);
  const marks = ids.map(() => "?").join(", ");
  const query = (sql: string) =>
    env.DB.prepare(sql)
      .bind(...ids)
      .all()
      .then((r) => r.results);
  return {
    wallets: await query(`select * from wallets where user_id in (${marks}) order by user_id`),
    stats: await query(`select * from referral_stats where user_id in (${marks}) order by user_id`),
    leaderboard: await query(
      `select * from leaderboard_entries where user_id in (${marks}) order by period, user_id`,
    ),
    ledger: await query(`select * from ledger_entries where user_id in (${marks}) order by seq`),
    balances: await Promise.all(users.map((u) => walletBalance(u.accessToken))),
  };
}

async function eraseMe(user: TestUser, password = user.password) {
  return callJson("DELETE", "/v1/me", { password }, { token: user.accessToken });
}

describe("DELETE /v1/me", () => {
  it("erases the person and keeps everyone else's books exact", async () => {
    const { referrer, person, referee } = await chain();
    // The invite's delivery (after the response) goes to the test webhook, answered here.
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    const invited = await callAndSettle("POST", "/v1/me/invites", {
      token: person.accessToken,
      body: { channel: "sms", to: "+923451234567" },
    });
    expect(invited.status).toBe(202);
    vi.restoreAllMocks();
    const before = await booksOf([referrer, referee]);
    const referralRows = await env.DB.prepare(
      "select * from referrals where referee_id = ? or referrer_id = ? order by id",
    )
      .bind(person.id, person.id)
      .all();
    const ledgerRows = await env.DB.prepare("select * from ledger_entries where user_id = ?")
      .bind(person.id)
      .all();

    const response = await call(
      "DELETE",
      "/v1/me",
      { password: person.password },
      {
        token: person.accessToken,
      },
    );
    expect(response.status).toBe(204);

    const row = await env.DB.prepare(
      "select name, phone, password_hash, signup_ip_hash, signup_device_hash, erased_at from users where id = ?",
    )
      .bind(person.id)
      .first();
    expect(row).toEqual({
      name: "Deleted user",
      phone: `erased:${person.id}`,
      password_hash: null,
      signup_ip_hash: null,
      signup_device_hash: null,
      erased_at: expect.any(Number),
    });
    // The books: other users' numbers, and the person's own ledger and referral rows, stay.
    expect(await booksOf([referrer, referee])).toEqual(before);
    expect(
      (
        await env.DB.prepare(
          "select * from referrals where referee_id = ? or referrer_id = ? order by id",
        )
          .bind(person.id, person.id)
          .all()
      ).results,
    ).toEqual(referralRows.results);
    expect(
      (await env.DB.prepare("select * from ledger_entries where user_id = ?").bind(person.id).all())
        .results,
    ).toEqual(ledgerRows.results);
    // Invite recipients are gone, and so is their own phone on their notifications.
    const recipients = await env.DB.prepare(
      "select purpose, recipient from invites where user_id = ? order by purpose",
    )
      .bind(person.id)
      .all<{ purpose: string; recipient: string }>();
    expect(recipients.results.filter((row) => row.purpose === "invite")).toEqual([
      { purpose: "invite", recipient: "erased" },
    ]);
    expect(recipients.results.every((row) => row.recipient === "erased")).toBe(true);
  });

  it("revokes every session and retires the code", async () => {
    const { person } = await chain();
    expect((await eraseMe(person)).status).toBe(204);
    const refresh = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: person.refreshToken,
    });
    expectError(refresh, 401, "invalid_refresh_token");
    const open = await env.DB.prepare(
      "select count(*) as n from sessions where user_id = ? and revoked_at is null",
    )
      .bind(person.id)
      .first();
    expect(open).toEqual({ n: 0 });
    expect((await callJson("GET", `/v1/referral-codes/${person.referralCode}`)).status).toBe(404);
    const signup = await callJson("POST", "/v1/auth/register", {
      name: "Someone",
      phone: "+923451112233",
      password: "correct horse battery",
      referralCode: person.referralCode,
    });
    expectError(signup, 422, "invalid_referral_code");
    const login = await callJson("POST", "/v1/auth/login", {
      phone: person.phone,
      password: person.password,
    });
    expectError(login, 401, "invalid_credentials");
  });

  it("voids the person's unused coupons, so no checkout accepts them", async () => {
    // One after another: the first call registers this file's admin.
    const admin = await adminUser();
    const coupons = await serverKey(["coupons"]);
    const person = await registerUser({ name: "Erum Shah" });
    const credit = await callJson(
      "POST",
      `/v1/admin/users/${person.id}/adjustments`,
      { points: 100, reason: "Coupon before erasure" },
      { token: admin.accessToken, headers: { "Idempotency-Key": `erase-coupon-${person.id}` } },
    );
    expect(credit.status).toBe(201);
    const redeemed = await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      { token: person.accessToken, headers: { "Idempotency-Key": `erase-redeem-${person.id}` } },
    );
    expect(redeemed.status).toBe(201);
    const code = redeemed.body.redemption.couponCode;
    const erased = await call(
      "DELETE",
      "/v1/me",
      { password: person.password },
      {
        token: person.accessToken,
      },
    );
    expect(erased.status).toBe(204);
    const coupon = await callJson("GET", `/v1/coupons/${code}`, undefined, {
      token: coupons.secret,
    });
    expect(coupon.body.status).toBe("void");
    expectError(
      await callJson(
        "POST",
        `/v1/coupons/${code}/use`,
        {},
        {
          token: coupons.secret,
          headers: { "Idempotency-Key": `erase-use-${person.id}` },
        },
      ),
      409,
      "coupon_void",
    );
  });

  it("frees the phone: it registers again as a new user", async () => {
    const person = await registerUser();
    expect((await eraseMe(person)).status).toBe(204);
    const again = await registerUser({ phone: person.phone });
    expect(again.id).not.toBe(person.id);
    expect(await walletBalance(again.accessToken)).toBe(0);
  });

  it("needs the password, and a wrong one changes nothing", async () => {
    const person = await registerUser();
    const before = await tableCounts();
    expectError(await eraseMe(person, "not my password"), 401, "invalid_credentials");
    expectError(
      await callJson("DELETE", "/v1/me", {}, { token: person.accessToken }),
      400,
      "validation_error",
    );
    expect(await tableCounts()).toEqual(before);
    expect(
      (await callJson("GET", "/v1/me", undefined, { token: person.accessToken })).body.name,
    ).toBe(person.name);
  });
});

describe("DELETE /v1/admin/users/{id}", () => {
  it("erases a user and writes the audit log in the same batch", async () => {
    const admin = await adminUser();
    const { referrer, person, referee } = await chain();
    const before = await booksOf([referrer, referee]);
    const response = await call("DELETE", `/v1/admin/users/${person.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(response.status).toBe(204);
    expect(await booksOf([referrer, referee])).toEqual(before);
    const audit = await env.DB.prepare(
      "select actor_id, action, target_id from audit_log where target_id = ?",
    )
      .bind(person.id)
      .all();
    expect(audit.results).toEqual([
      { actor_id: admin.id, action: "user.erase", target_id: person.id },
    ]);
    // Erased is gone: a second erase finds nobody.
    const again = await callJson("DELETE", `/v1/admin/users/${person.id}`, undefined, {
      token: admin.accessToken,
    });
    expectError(again, 404, "not_found");
  });

  it("is for admins only, and not for erasing oneself", async () => {
    const admin = await adminUser();
    const user = await registerUser();
    const other = await registerUser();
    expectError(
      await callJson("DELETE", `/v1/admin/users/${other.id}`, undefined, {
        token: user.accessToken,
      }),
      403,
      "forbidden",
    );
    expectError(
      await callJson("DELETE", `/v1/admin/users/${admin.id}`, undefined, {
        token: admin.accessToken,
      }),
      403,
      "forbidden",
    );
    expectError(
      await callJson("DELETE", "/v1/admin/users/usr_nobody", undefined, {
        token: admin.accessToken,
      }),
      404,
      "not_found",
    );
  });
});
