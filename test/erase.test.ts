import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import { expirePoints } from "../src/jobs/expiry";
import { newOutbox } from "../src/platform/outbox";
import { appendLedgerEntry } from "../src/wallet/store";
import {
  adminUser,
  call,
  callAndSettle,
  callJson,
  type ErrorCode,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  tableCounts,
  uniquePhone,
  walletBalance,
  withProgramChange,
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

/** Gives `user` points by an admin adjustment (before any erasure). */
async function credit(user: TestUser, points: number) {
  const admin = await adminUser();
  const credited = await callJson(
    "POST",
    `/v1/admin/users/${user.id}/adjustments`,
    { points, reason: "Points to spend" },
    { token: admin.accessToken, headers: { "Idempotency-Key": `credit-${user.id}` } },
  );
  expect(credited.status, JSON.stringify(credited.body)).toBe(201);
}

/**
 * The moment an erasure commits for a request of the person that is already past its auth
 * check: the row is erased but that request's session was live when it was checked. Only
 * `erased_at` is set, so the request's token still authenticates, as it did for it.
 */
async function eraseUnderARequest(user: TestUser) {
  await env.DB.prepare("update users set erased_at = ? where id = ?")
    .bind(Date.now(), user.id)
    .run();
}

/** Every row written for `userId` in the tables that must get nothing new once erased. */
async function rowsOf(userId: string) {
  const count = (sql: string) =>
    env.DB.prepare(sql)
      .bind(userId)
      .first<{ n: number }>()
      .then((row) => row?.n ?? 0);
  return {
    sessions: await count("select count(*) as n from sessions where user_id = ?"),
    codes: await count("select count(*) as n from referral_codes where user_id = ?"),
    redemptions: await count("select count(*) as n from redemptions where user_id = ?"),
    verification: await count("select count(*) as n from verification_codes where user_id = ?"),
    invites: await count("select count(*) as n from invites where user_id = ?"),
    ledger: await count("select count(*) as n from ledger_entries where user_id = ?"),
    spends: await count("select count(*) as n from point_spends where user_id = ?"),
    events: await count("select count(*) as n from events where user_id = ?"),
    unlocks: await count("select count(*) as n from unlocks where user_id = ?"),
    referrals: await count(
      "select count(*) as n from referrals where referrer_id = ?1 or referee_id = ?1",
    ),
  };
}

/** Rows of `userId` written after their erasure, per table (all zero when nothing was). */
async function writtenAfterErasure(userId: string) {
  const row = await env.DB.prepare(
    `select
       (select count(*) from redemptions r where r.user_id = u.id and r.created_at > u.erased_at) as redemptions,
       (select count(*) from referral_codes c where c.user_id = u.id and c.created_at > u.erased_at) as codes,
       (select count(*) from verification_codes v where v.user_id = u.id and v.created_at > u.erased_at) as verification,
       (select count(*) from invites i where i.user_id = u.id and i.created_at > u.erased_at) as invites,
       (select count(*) from ledger_entries l where l.user_id = u.id and l.created_at > u.erased_at) as ledger,
       (select count(*) from sessions s where s.user_id = u.id and s.created_at > u.erased_at) as sessions,
       (select count(*) from referrals f where f.referrer_id = u.id and f.created_at > u.erased_at) as referrals
     from users u where u.id = ?`,
  )
    .bind(userId)
    .first();
  return row;
}

const nothingAfterErasure = {
  redemptions: 0,
  codes: 0,
  verification: 0,
  invites: 0,
  ledger: 0,
  sessions: 0,
  referrals: 0,
};

describe("an erased user is gone", () => {
  it("the database refuses every new row for an erased user, whoever writes it", async () => {
    const person = await registerUser({ name: "Laila Haider" });
    await credit(person, 100);
    await eraseUnderARequest(person);
    const other = await registerUser();
    const now = Date.now();
    const writes: [string, unknown[]][] = [
      ["update users set name = 'Back Again' where id = ?1", [person.id]],
      [
        "insert into sessions (id, user_id, created_at) values ('ses_x' || ?1, ?1, ?2)",
        [person.id, now],
      ],
      [
        `insert into verification_codes (user_id, purpose, code_hash, expires_at, attempts_left, created_at)
         values (?1, 'phone_verification', 'h', ?2, 5, ?2)`,
        [person.id, now],
      ],
      [
        "insert into referral_codes (normalized, code, user_id, status, created_at) values ('ZZ' || ?2, 'ZZ', ?1, 'active', ?2)",
        [person.id, now],
      ],
      [
        `insert into ledger_entries (id, user_id, type, points, balance_after, description, created_at)
         values ('txn_x' || ?1, ?1, 'adjustment', 5, 105, 'x', ?2)`,
        [person.id, now],
      ],
      [
        `insert into invites (id, user_id, channel, recipient, status, created_at)
         values ('inv_x' || ?1, ?1, 'sms', '+923001112233', 'queued', ?2)`,
        [person.id, now],
      ],
      [
        "insert into unlocks (user_id, unlock, source, granted_at) values (?1, 'free_theme', 'milestone', ?2)",
        [person.id, now],
      ],
      [
        `insert into events (external_id, type, user_id, referral_ids, created_at)
         values ('evt_x' || ?1, 'purchase', ?1, '[]', ?2)`,
        [person.id, now],
      ],
      [
        `insert into referrals (id, referrer_id, referee_id, ordinal, code, status, source, program_version, referrer_points, referee_points, created_at)
         values ('ref_x' || ?1, ?1, ?2, 1, 'ZZ', 'pending', 'link', (select max(version) from programs), 50, 20, ?3)`,
        [person.id, other.id, now],
      ],
      [
        `insert into redemptions (id, user_id, reward_id, cost, balance_after, created_at)
         values ('rdm_x' || ?1, ?1, 'any', 10, 90, ?2)`,
        [person.id, now],
      ],
      [
        `insert into point_spends (id, user_id, order_id, points, description, ledger_entry_id, created_at)
         values ('spd_x' || ?1, ?1, 'ord_x' || ?1, 10, 'x', 'txn_y', ?2)`,
        [person.id, now],
      ],
      [
        "insert into campaign_awards (campaign_id, user_id, referral_id, awarded_at) values ('cmp_x', ?1, 'ref_y', ?2)",
        [person.id, now],
      ],
    ];
    for (const [sql, values] of writes) {
      await expect(
        env.DB.prepare(sql)
          .bind(...values)
          .run(),
        sql,
      ).rejects.toThrow(/erased_user:/);
    }
    // What takes back still goes in: a referral's reversal, as a refund writes it.
    await env.DB.prepare(
      `insert into ledger_entries (id, user_id, type, points, balance_after, description, created_at)
       values ('txn_r' || ?1, ?1, 'reversal', -5, 95, 'Referral reversed after a refund', ?2)`,
    )
      .bind(person.id, now)
      .run();
  });

  it("every server call naming them answers 404 not_found and writes nothing", async () => {
    const admin = await adminUser();
    const users = await serverKey(["users"]);
    const embed = await serverKey(["embed"]);
    const wallet = await serverKey(["wallet"]);
    const events = await serverKey(["events"]);
    const person = await registerUser({ name: "Farah Naz" });
    await credit(person, 200);
    const spent = await callJson(
      "POST",
      `/v1/users/${person.id}/wallet/spend`,
      { points: 50, orderId: `order-before-${person.id}` },
      { token: wallet.secret, headers: { "Idempotency-Key": `spend-before-${person.id}` } },
    );
    expect(spent.status).toBe(201);
    expect(
      (
        await call("DELETE", `/v1/admin/users/${person.id}`, undefined, {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(204);
    const before = await rowsOf(person.id);
    const server = (secret: string) => ({ token: secret });

    expectError(
      await callJson("GET", `/v1/users/${person.id}`, undefined, server(users.secret)),
      404,
      "not_found",
    );
    expectError(
      await callJson("GET", `/v1/users/${person.id}/unlocks`, undefined, server(users.secret)),
      404,
      "not_found",
    );
    const byPhone = await callJson(
      "GET",
      `/v1/users?phone=${encodeURIComponent(person.phone)}`,
      undefined,
      server(users.secret),
    );
    expect(byPhone.body).toEqual({ data: [] });
    expectError(
      await callJson("POST", "/v1/embed-tokens", { userId: person.id }, server(embed.secret)),
      404,
      "not_found",
    );
    expectError(
      await callJson(
        "POST",
        `/v1/users/${person.id}/wallet/spend`,
        { points: 10, orderId: `order-after-${person.id}` },
        { token: wallet.secret, headers: { "Idempotency-Key": `spend-after-${person.id}` } },
      ),
      404,
      "not_found",
    );
    expectError(
      await callJson(
        "POST",
        `/v1/users/${person.id}/wallet/spend/${spent.body.spend.id}/refund`,
        {},
        server(wallet.secret),
      ),
      404,
      "not_found",
    );
    expectError(
      await callJson(
        "POST",
        "/v1/events",
        { type: "purchase", userId: person.id, externalId: `evt-erased-${person.id}` },
        server(events.secret),
      ),
      404,
      "not_found",
    );
    expectError(
      await callJson(
        "POST",
        `/v1/admin/users/${person.id}/adjustments`,
        { points: 10, reason: "After erasure" },
        { token: admin.accessToken, headers: { "Idempotency-Key": `adjust-after-${person.id}` } },
      ),
      404,
      "not_found",
    );
    expectError(
      await callJson(
        "PATCH",
        `/v1/admin/users/${person.id}`,
        { role: "admin" },
        { token: admin.accessToken },
      ),
      404,
      "not_found",
    );
    expect(await rowsOf(person.id)).toEqual(before);
    const row = await env.DB.prepare("select name, role from users where id = ?")
      .bind(person.id)
      .first();
    expect(row).toEqual({ name: "Deleted user", role: "user" });
  });

  it("a replay of an event recorded before the erasure answers 404 too", async () => {
    const person = await registerUser({ name: "Nadia Riaz" });
    const event = { type: "purchase", userId: person.id, externalId: `evt-replay-${person.id}` };
    const events = { token: env.EVENTS_API_KEY ?? "" };
    expect((await callJson("POST", "/v1/events", event, events)).status).toBe(202);
    expect((await eraseMe(person)).status).toBe(204);
    expectError(await callJson("POST", "/v1/events", event, events), 404, "not_found");
  });

  it("a request of the person already past its auth check when the erasure commits writes nothing", async () => {
    const person = await registerUser({ name: "Ghazala Iqbal" });
    await credit(person, 500);
    const embed = await serverKey(["embed"]);
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    await eraseUnderARequest(person);
    const before = await rowsOf(person.id);
    const asPerson = { token: person.accessToken };

    // A request that reads the user after the erasure finds the account gone (401, as with
    // a revoked session); one that only writes is refused by the database (404).
    const refused: [Awaited<ReturnType<typeof callJson>>, number, ErrorCode][] = [
      [await callJson("POST", "/v1/me/referral-code", undefined, asPerson), 401, "unauthorized"],
      [
        await callJson("PUT", "/v1/me/referral-code", { code: "GONE2345" }, asPerson),
        401,
        "unauthorized",
      ],
      [await callJson("PATCH", "/v1/me", { name: "Back Again" }, asPerson), 404, "not_found"],
      [
        await callJson(
          "POST",
          "/v1/me/redemptions",
          {},
          { ...asPerson, headers: { "Idempotency-Key": `redeem-after-${person.id}` } },
        ),
        404,
        "not_found",
      ],
      [
        await callJson("POST", "/v1/auth/phone/verification", undefined, asPerson),
        401,
        "unauthorized",
      ],
      [
        await callJson("POST", "/v1/me/invites", { channel: "sms", to: uniquePhone() }, asPerson),
        401,
        "unauthorized",
      ],
      [
        await callJson("POST", "/v1/embed-tokens", { userId: person.id }, { token: embed.secret }),
        404,
        "not_found",
      ],
    ];
    vi.restoreAllMocks();
    for (const [response, status, code] of refused) expectError(response, status, code);
    expect(await rowsOf(person.id)).toEqual(before);
    const row = await env.DB.prepare("select name, referral_code from users where id = ?")
      .bind(person.id)
      .first();
    expect(row).toEqual({ name: person.name, referral_code: person.referralCode });
  });

  it("redemptions, code changes and renames racing DELETE /v1/me write nothing after it", async () => {
    const person = await registerUser({ name: "Hina Rauf" });
    await credit(person, 5000);
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    const asPerson = { token: person.accessToken };
    const racers = Array.from({ length: 20 }, (_, i) => {
      const delay = new Promise((resolve) => setTimeout(resolve, i * 3));
      return delay.then(() => {
        switch (i % 4) {
          case 0:
            return call("POST", "/v1/me/referral-code", undefined, asPerson);
          case 1:
            return call("PATCH", "/v1/me", { name: `Racer ${i}` }, asPerson);
          case 2:
            return call("POST", "/v1/auth/phone/verification", undefined, asPerson);
          default:
            return call(
              "POST",
              "/v1/me/redemptions",
              {},
              { ...asPerson, headers: { "Idempotency-Key": `race-${i}-${person.id}` } },
            );
        }
      });
    });
    const [erased, ...others] = await Promise.all([
      call("DELETE", "/v1/me", { password: person.password }, asPerson),
      ...racers,
    ]);
    vi.restoreAllMocks();
    expect(erased?.status).toBe(204);
    // Each racer either finished before the erasure or was refused: never a 5xx.
    for (const response of others) expect([200, 201, 202, 401, 404]).toContain(response.status);
    expect(await writtenAfterErasure(person.id)).toEqual(nothingAfterErasure);
    const row = await env.DB.prepare("select name, phone from users where id = ?")
      .bind(person.id)
      .first();
    expect(row).toEqual({ name: "Deleted user", phone: `erased:${person.id}` });
  });

  it("signups with the code of a referrer being erased pay nothing after the erasure", async () => {
    const referrer = await registerUser({ name: "Imran Qureshi" });
    const signups = Array.from({ length: 10 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 5)).then(() =>
        callJson("POST", "/v1/auth/register", {
          name: `Friend ${i}`,
          phone: uniquePhone(),
          password: "correct horse battery",
          referralCode: referrer.referralCode,
        }),
      ),
    );
    const [erased, ...outcomes] = await Promise.all([
      call("DELETE", "/v1/me", { password: referrer.password }, { token: referrer.accessToken }),
      ...signups,
    ]);
    expect(erased?.status).toBe(204);
    for (const outcome of outcomes) {
      if (outcome.status !== 201) expectError(outcome, 422, "invalid_referral_code");
    }
    expect(await writtenAfterErasure(referrer.id)).toEqual(nothingAfterErasure);
  });

  it("a referee of an erased referrer still qualifies and is paid; the referrer gets nothing", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const admin = await adminUser();
      const referrer = await registerUser({ name: "Jamil Akhtar" });
      const referee = await registerUser({ referralCode: referrer.referralCode });
      expect(
        (
          await call("DELETE", `/v1/admin/users/${referrer.id}`, undefined, {
            token: admin.accessToken,
          })
        ).status,
      ).toBe(204);
      const before = await rowsOf(referrer.id);
      const purchase = await callJson(
        "POST",
        "/v1/events",
        { type: "purchase", userId: referee.id, externalId: `order-${referee.id}` },
        { token: env.EVENTS_API_KEY ?? "" },
      );
      expect(purchase.status, JSON.stringify(purchase.body)).toBe(202);
      expect(purchase.body.qualified).toHaveLength(1);
      expect(await walletBalance(referee.accessToken)).toBe(20);
      expect(await rowsOf(referrer.id)).toEqual(before);
      const wallet = await env.DB.prepare("select balance from wallets where user_id = ?")
        .bind(referrer.id)
        .first();
      expect(wallet).toEqual({ balance: 0 });
    });
  });

  it("the expiry job still sweeps an erased user's points", async () => {
    const db = createDb(env.DB);
    const person = await registerUser({ name: "Maryam Butt" });
    const now = Date.now();
    await appendLedgerEntry(db, {
      userId: person.id,
      type: "adjustment",
      points: 30,
      description: "Expiring soon",
      createdAt: now,
      expiresAt: now + 1000,
    }).run();
    expect((await eraseMe(person)).status).toBe(204);
    await expirePoints({ db, outbox: newOutbox() }, now + 2000);
    const entries = await env.DB.prepare(
      "select type, points, balance_after from ledger_entries where user_id = ? order by seq",
    )
      .bind(person.id)
      .all();
    expect(entries.results).toEqual([
      { type: "adjustment", points: 30, balance_after: 30 },
      { type: "expiry", points: -30, balance_after: 0 },
    ]);
  });

  it("an approval of a held referral whose referee was erased pays the referrer only", async () => {
    const admin = await adminUser();
    const device = { "X-Device-Id": `device-${crypto.randomUUID()}` };
    const signUp = async (name: string, referralCode?: string) => {
      const response = await callJson(
        "POST",
        "/v1/auth/register",
        { name, phone: uniquePhone(), password: "correct horse battery", referralCode },
        { headers: device },
      );
      expect(response.status).toBe(201);
      return { id: response.body.user.id as string, token: response.body.accessToken as string };
    };
    const referrer = await signUp("Omar Farooq");
    const referee = await signUp(
      "Parveen Akhtar",
      (await callJson("GET", "/v1/me", undefined, { token: referrer.token })).body.referralCode,
    );
    const referral = await env.DB.prepare("select id, status from referrals where referee_id = ?")
      .bind(referee.id)
      .first<{ id: string; status: string }>();
    expect(referral?.status).toBe("held");
    expect(
      (
        await call("DELETE", `/v1/admin/users/${referee.id}`, undefined, {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(204);
    const before = await rowsOf(referee.id);
    const approved = await callJson(
      "POST",
      `/v1/admin/referrals/${referral?.id}/approve`,
      undefined,
      { token: admin.accessToken },
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.referral.status).toBe("qualified");
    expect(await walletBalance(referrer.token)).toBe(50);
    expect(await rowsOf(referee.id)).toEqual(before);
  });

  it("a refund still takes an erased referrer's reward back", async () => {
    const admin = await adminUser();
    const referrer = await registerUser({ name: "Kamran Ali" });
    const referee = await registerUser({ referralCode: referrer.referralCode });
    expect(
      (
        await call("DELETE", `/v1/admin/users/${referrer.id}`, undefined, {
          token: admin.accessToken,
        })
      ).status,
    ).toBe(204);
    const refund = await callJson(
      "POST",
      "/v1/events",
      { type: "refund", userId: referee.id, externalId: `refund-${referee.id}` },
      { token: env.EVENTS_API_KEY ?? "" },
    );
    expect(refund.status, JSON.stringify(refund.body)).toBe(202);
    expect(refund.body.reversed).toHaveLength(1);
    const wallet = await env.DB.prepare("select balance from wallets where user_id = ?")
      .bind(referrer.id)
      .first();
    expect(wallet).toEqual({ balance: 0 });
    expect(await walletBalance(referee.accessToken)).toBe(0);
  });
});
