import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { expirePoints } from "../src/jobs/expiry";
import { newOutbox } from "../src/platform/outbox";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  present,
  referrerWith,
  registerUser,
  walletBalance,
} from "./harness";

const DAY = 86_400_000;

describe("GET /v1/me/wallet", () => {
  it("starts empty", async () => {
    const user = await registerUser();
    const wallet = await api.GET("/v1/me/wallet", { token: user.accessToken });
    expectStatus(wallet, 200);
    expect(wallet.body).toEqual({
      balance: 0,
      pending: 0,
      lifetimeEarned: 0,
      lifetimeRedeemed: 0,
      expiring: [],
    });
  });

  it("sums the ledger and shows what expires in the next 30 days", async () => {
    const referrer = await referrerWith(2);
    await ageFirstLot(referrer.id, Date.now() + 10 * DAY);
    const wallet = await api.GET("/v1/me/wallet", { token: referrer.accessToken });
    expectStatus(wallet, 200);
    const { body } = wallet;
    expect(body).toMatchObject({
      balance: 100,
      pending: 0,
      lifetimeEarned: 100,
      lifetimeRedeemed: 0,
    });
    expect(body.expiring).toEqual([{ points: 50, expiresAt: expect.any(String) }]);
    const days = (Date.parse(present(body.expiring[0]).expiresAt) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
  });
});

/** Moves the expiry of a user's earliest credit (its lot; the ledger itself is append-only). */
async function ageFirstLot(userId: string, expiresAt: number) {
  await env.DB.prepare(
    `update point_lots set expires_at = ? where ledger_entry_id =
       (select ledger_entry_id from point_lots where user_id = ? order by expires_at, ledger_entry_id limit 1)`,
  )
    .bind(expiresAt, userId)
    .run();
}

describe("points expiry", () => {
  it("spends the earliest-expiring points first", async () => {
    const referrer = await referrerWith(2);
    await ageFirstLot(referrer.id, Date.now() + 10 * DAY);
    const boss = await adminUser();
    await callJson(
      "POST",
      `/v1/admin/users/${referrer.id}/adjustments`,
      { points: -30, reason: "Spent" },
      {
        token: boss.accessToken,
        headers: { "Idempotency-Key": `spend-${referrer.id}` },
      },
    );
    const wallet = await api.GET("/v1/me/wallet", { token: referrer.accessToken });
    expectStatus(wallet, 200);
    expect(wallet.body.balance).toBe(70);
    expect(wallet.body.expiring).toEqual([{ points: 20, expiresAt: expect.any(String) }]);
  });

  it("the scheduled job expires what is left of a lot, once", async () => {
    const referrer = await referrerWith(2);
    await ageFirstLot(referrer.id, Date.now() - 1000);
    const db = createDb(env.DB);
    expect(await expirePoints({ db, outbox: newOutbox() }, Date.now())).toBeGreaterThanOrEqual(1);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    const ledger = await api.GET("/v1/me/wallet/transactions", {
      query: { limit: 1 },
      token: referrer.accessToken,
    });
    expectStatus(ledger, 200);
    expect(ledger.body.data[0]).toMatchObject({ type: "expiry", points: -50, balanceAfter: 50 });
    await expirePoints({ db, outbox: newOutbox() }, Date.now());
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("expiry racing redemptions never overdraws or expires spent points", async () => {
    const referrer = await referrerWith(4);
    await ageFirstLot(referrer.id, Date.now() - 1000);
    const db = createDb(env.DB);
    await Promise.all([
      expirePoints({ db, outbox: newOutbox() }, Date.now()),
      ...Array.from({ length: 3 }, (_, i) =>
        callJson(
          "POST",
          "/v1/me/redemptions",
          {},
          {
            token: referrer.accessToken,
            headers: { "Idempotency-Key": `race-expiry-${i}` },
          },
        ),
      ),
    ]);
    const balance = await walletBalance(referrer.accessToken);
    expect(balance).toBeGreaterThanOrEqual(0);
    const spent = await env.DB.prepare(
      "select coalesce(-sum(points), 0) as n from ledger_entries where user_id = ? and points < 0",
    )
      .bind(referrer.id)
      .first<{ n: number }>();
    expect(balance + (spent?.n ?? 0)).toBe(250);
  });
});

describe("GET /v1/me/wallet/transactions", () => {
  it("lists entries newest first with a running balance", async () => {
    const referrer = await referrerWith(4);
    const ledger = await api.GET("/v1/me/wallet/transactions", { token: referrer.accessToken });
    expectStatus(ledger, 200);
    const { body } = ledger;
    expect(body.nextCursor).toBeNull();
    expect(body.data.map((t) => t.points)).toEqual([100, 50, 50, 50]);
    expect(body.data.map((t) => t.balanceAfter)).toEqual([250, 150, 100, 50]);
    expect(body.data[0]).toEqual({
      id: expect.stringMatching(/^txn_/),
      type: "referral_reward",
      points: 100,
      balanceAfter: 250,
      description: "Referral #4 joined with your code",
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const newest = present(body.data[0]);
    expect(Date.parse(present(newest.expiresAt)) - Date.parse(newest.createdAt)).toBe(365 * DAY);
  });

  it("pages through the whole ledger", async () => {
    const referrer = await referrerWith(5);
    const token = referrer.accessToken;
    const first = await api.GET("/v1/me/wallet/transactions", { query: { limit: 3 }, token });
    expectStatus(first, 200);
    expect(first.body.data).toHaveLength(3);
    const cursor = present(first.body.nextCursor);
    const second = await api.GET("/v1/me/wallet/transactions", {
      query: { limit: 3, cursor },
      token,
    });
    expectStatus(second, 200);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const balances = [...first.body.data, ...second.body.data].map((t) => t.balanceAfter);
    expect(balances).toEqual([350, 250, 150, 100, 50]);
  });

  it("refuses a foreign cursor", async () => {
    const user = await registerUser();
    const response = await callJson(
      "GET",
      "/v1/me/wallet/transactions?cursor=InJkbV94Ig",
      undefined,
      {
        token: user.accessToken,
      },
    );
    expectError(response, 400, "validation_error");
  });
});

describe("the ledger in the database", () => {
  it("refuses updates and deletes", async () => {
    const referrer = await referrerWith(1);
    await expect(
      env.DB.prepare("update ledger_entries set points = 5000 where user_id = ?")
        .bind(referrer.id)
        .run(),
    ).rejects.toThrow(/append-only/);
    await expect(
      env.DB.prepare("delete from ledger_entries where user_id = ?").bind(referrer.id).run(),
    ).rejects.toThrow(/append-only/);
  });

  it("refuses an entry that would overdraw a wallet, or whose balance_after lies", async () => {
    const user = await registerUser();
    const insert = (points: number, balanceAfter: number) =>
      env.DB.prepare(
        `insert into ledger_entries (id, user_id, type, points, balance_after, description, created_at)
         values (?, ?, 'adjustment', ?, ?, 'test', 0)`,
      )
        .bind(crypto.randomUUID(), user.id, points, balanceAfter)
        .run();
    await expect(insert(-10, 0)).rejects.toThrow(
      /CHECK constraint failed|balance_after|insufficient_points/,
    );
    await expect(insert(10, 999)).rejects.toThrow(/balance_after does not match/);
  });
});
