import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb, meteredD1 } from "../src/db/client";
import { NEVER_EXPIRES } from "../src/db/schema";
import { ApiError } from "../src/errors";
import { expirePoints } from "../src/jobs/expiry";
import { newRequestMetrics } from "../src/platform/metrics";
import { newOutbox } from "../src/platform/outbox";
import { redeemReward } from "../src/rewards/service";
import { appendLedgerEntry } from "../src/wallet/store";
import { callJson, expectError, registerUser, walletBalance } from "./harness";

const DAY = 86_400_000;
const db = createDb(env.DB);

/** Credits `lots` to a user in one batch: each opens a lot of that size and expiry. */
async function seedLots(userId: string, lots: { points: number; expiresAt: number | null }[]) {
  const now = Date.now();
  const [first, ...rest] = lots.map((lot) =>
    appendLedgerEntry(db, {
      userId,
      type: "adjustment",
      points: lot.points,
      description: "Seeded lot",
      createdAt: now,
      expiresAt: lot.expiresAt,
    }),
  );
  if (first) await db.batch([first, ...rest]);
}

async function lotsOf(userId: string) {
  const { results } = await env.DB.prepare(
    "select ledger_entry_id as id, remaining, expires_at as expiresAt from point_lots where user_id = ? and remaining > 0 order by expires_at, ledger_entry_id",
  )
    .bind(userId)
    .all<{ id: string; remaining: number; expiresAt: number }>();
  return results;
}

async function debit(userId: string, points: number, createdAt = Date.now()) {
  const id = `txn_debit_${crypto.randomUUID()}`;
  await db.batch([
    appendLedgerEntry(db, {
      id,
      userId,
      type: "adjustment",
      points: -points,
      description: "Test debit",
      createdAt,
    }),
  ]);
  return id;
}

async function consumptionsOf(debitEntryId: string) {
  const { results } = await env.DB.prepare(
    "select lot_entry_id as lot, points, expires_at as expiresAt from lot_consumptions where debit_entry_id = ? order by expires_at, lot_entry_id",
  )
    .bind(debitEntryId)
    .all<{ lot: string; points: number; expiresAt: number }>();
  return results;
}

describe("a debit reads only the lots it consumes", () => {
  it("a 100-point redemption reads at most 50 rows, as many for 1,000 lots as for 8", async () => {
    const soon = Date.now() + DAY;
    const rowsRead = async (lots: number) => {
      const user = await registerUser();
      await seedLots(
        user.id,
        Array.from({ length: lots }, (_, i) => ({ points: 25, expiresAt: soon + i * 1000 })),
      );
      const meter = newRequestMetrics();
      const { redemption } = await redeemReward(
        { db: createDb(meteredD1(env.DB, meter, { exactReads: true })), outbox: newOutbox() },
        {
          userId: user.id,
          rewardId: "rwd_discount_10",
          idempotencyKey: `lots-${lots}`,
          requestHash: "same-body",
        },
        Date.now(),
      );
      expect(redemption.balanceAfter).toBe(lots * 25 - 100);
      const left = await lotsOf(user.id);
      expect(left).toHaveLength(lots - 4);
      expect(left[0]?.expiresAt).toBe(soon + 4 * 1000);
      return meter.rowsRead;
    };
    const many = await rowsRead(1000);
    expect(many).toBeLessThanOrEqual(50);
    expect(many).toBe(await rowsRead(8));
  });
});

describe("a redemption is made at the now it is given", () => {
  it("spends a lot up to its expiry and not after it: 409 insufficient_points", async () => {
    const user = await registerUser();
    const expiresAt = Date.now() + 10 * DAY;
    await seedLots(user.id, [{ points: 100, expiresAt }]);
    const redeemAt = (now: number) =>
      redeemReward(
        { db, outbox: newOutbox() },
        {
          userId: user.id,
          rewardId: "rwd_discount_10",
          idempotencyKey: `at-${now}`,
          requestHash: "same-body",
        },
        now,
      );
    await expect(redeemAt(expiresAt)).rejects.toSatisfy(
      (error) => error instanceof ApiError && error.code === "insufficient_points",
    );
    const { redemption } = await redeemAt(expiresAt - 1);
    expect(redemption).toMatchObject({ cost: 100, balanceAfter: 0, createdAt: expiresAt - 1 });
    expect(await lotsOf(user.id)).toEqual([]);
  });
});

describe("a debit consumes lots first-expiring-first", () => {
  it("takes lots of equal expiry in id order, leaves a partial lot, and records what it took", async () => {
    const user = await registerUser();
    const expiresAt = Date.now() + 10 * DAY;
    await seedLots(user.id, [
      { points: 30, expiresAt },
      { points: 30, expiresAt },
      { points: 30, expiresAt },
    ]);
    const [a, b, c] = await lotsOf(user.id);
    const debitId = await debit(user.id, 45);
    expect(await consumptionsOf(debitId)).toEqual([
      { lot: a?.id, points: 30, expiresAt },
      { lot: b?.id, points: 15, expiresAt },
    ]);
    expect(await lotsOf(user.id)).toEqual([
      { id: b?.id, remaining: 15, expiresAt },
      { id: c?.id, remaining: 30, expiresAt },
    ]);
  });

  it("spends points that never expire last", async () => {
    const user = await registerUser();
    const later = Date.now() + 300 * DAY;
    await seedLots(user.id, [
      { points: 40, expiresAt: null },
      { points: 40, expiresAt: later },
    ]);
    const debitId = await debit(user.id, 50);
    expect(await consumptionsOf(debitId)).toEqual([
      { lot: expect.any(String), points: 40, expiresAt: later },
      { lot: expect.any(String), points: 10, expiresAt: NEVER_EXPIRES },
    ]);
    expect(await lotsOf(user.id)).toEqual([
      { id: expect.any(String), remaining: 30, expiresAt: NEVER_EXPIRES },
    ]);
  });

  it("skips lots past their expiry even before the hourly job sweeps them", async () => {
    const user = await registerUser();
    const now = Date.now();
    await seedLots(user.id, [
      { points: 100, expiresAt: now - 1000 },
      { points: 60, expiresAt: now + DAY },
    ]);
    expect(await walletBalance(user.accessToken)).toBe(60);
    const debitId = await debit(user.id, 50, now);
    expect(await consumptionsOf(debitId)).toEqual([
      { lot: expect.any(String), points: 50, expiresAt: now + DAY },
    ]);
    // 100 points are still in the ledger, but expired: they cannot pay for 11 more.
    await expect(debit(user.id, 11, now)).rejects.toThrow(/insufficient_points/);
    expect(await walletBalance(user.accessToken)).toBe(10);
  });

  it("a redemption answers the balance left without expired points", async () => {
    const user = await registerUser();
    await seedLots(user.id, [
      { points: 100, expiresAt: Date.now() - 1000 },
      { points: 150, expiresAt: Date.now() + DAY },
    ]);
    const response = await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      { token: user.accessToken, headers: { "Idempotency-Key": `after-expired-${user.id}` } },
    );
    expect(response.status).toBe(201);
    expect(response.body.balance).toBe(50);
  });

  it("a redemption that only expired points would cover is insufficient_points", async () => {
    const user = await registerUser();
    await seedLots(user.id, [{ points: 500, expiresAt: Date.now() - 1000 }]);
    const response = await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      { token: user.accessToken, headers: { "Idempotency-Key": `expired-only-${user.id}` } },
    );
    expectError(response, 422, "insufficient_points");
    const made = await env.DB.prepare("select count(*) as n from redemptions where user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(made?.n).toBe(0);
  });
});

describe("the expiry job", () => {
  it("sweeps every due lot in one run, batch after batch, and then finds nothing", async () => {
    const now = Date.now();
    const heavy = await registerUser();
    await seedLots(heavy.id, [
      ...Array.from({ length: 250 }, () => ({ points: 2, expiresAt: now - 1000 })),
      { points: 7, expiresAt: now + DAY },
    ]);
    const others = await Promise.all(Array.from({ length: 5 }, () => registerUser()));
    for (const other of others) await seedLots(other.id, [{ points: 3, expiresAt: now - 1 }]);

    const written = await expirePoints({ db, outbox: newOutbox() }, now, { batchSize: 2 });
    expect(written).toBeGreaterThanOrEqual(6);
    expect(await expirePoints({ db, outbox: newOutbox() }, now, { batchSize: 2 })).toBe(0);

    const swept = await env.DB.prepare(
      "select points, balance_after as balanceAfter from ledger_entries where user_id = ? and type = 'expiry'",
    )
      .bind(heavy.id)
      .all();
    expect(swept.results).toEqual([{ points: -500, balanceAfter: 7 }]);
    expect(await lotsOf(heavy.id)).toEqual([
      { id: expect.any(String), remaining: 7, expiresAt: now + DAY },
    ]);
    for (const other of others) expect(await lotsOf(other.id)).toEqual([]);
  });

  it("stops starting batches once its time budget is spent", async () => {
    const now = Date.now();
    const users = await Promise.all(Array.from({ length: 3 }, () => registerUser()));
    for (const user of users) await seedLots(user.id, [{ points: 5, expiresAt: now - 1 }]);
    let tick = 0;
    // Each reading of the clock is 10 s later: the budget of 20 s allows two batches of one.
    const clock = () => tick++ * 10_000;
    expect(
      await expirePoints({ db, outbox: newOutbox() }, now, {
        batchSize: 1,
        budgetMs: 20_000,
        clock,
      }),
    ).toBe(2);
    expect(await expirePoints({ db, outbox: newOutbox() }, now)).toBeGreaterThanOrEqual(1);
  });
});
