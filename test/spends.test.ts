import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { ApiError } from "../src/errors";
import { refundSpend, spendPoints } from "../src/wallet/spends";
import { appendLedgerEntry } from "../src/wallet/store";
import { registerUser, walletBalance } from "./harness";

const DAY = 86_400_000;
const db = createDb(env.DB);

async function userWithLots(lots: { points: number; expiresAt: number | null }[]) {
  const user = await registerUser();
  const now = Date.now();
  const [first, ...rest] = lots.map((lot) =>
    appendLedgerEntry(db, {
      userId: user.id,
      type: "adjustment",
      points: lot.points,
      description: "Seeded lot",
      createdAt: now,
      expiresAt: lot.expiresAt,
    }),
  );
  if (first) await db.batch([first, ...rest]);
  return user;
}

function codeOf(outcome: PromiseSettledResult<unknown>) {
  if (outcome.status === "fulfilled") return "ok";
  return outcome.reason instanceof ApiError ? outcome.reason.code : String(outcome.reason);
}

function tally(outcomes: PromiseSettledResult<unknown>[]) {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[codeOf(outcome)] = (counts[codeOf(outcome)] ?? 0) + 1;
  return counts;
}

async function reversalsOf(userId: string) {
  const { results } = await env.DB.prepare(
    "select points, expires_at as expiresAt from ledger_entries where user_id = ? and type = 'reversal' order by seq",
  )
    .bind(userId)
    .all();
  return results;
}

describe("spendPoints", () => {
  it("spends points on an order and answers the spend and the balance left", async () => {
    const user = await userWithLots([{ points: 200, expiresAt: Date.now() + 30 * DAY }]);
    const { spend, balance } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 80,
        orderId: `order-${user.id}`,
      },
      Date.now(),
    );
    expect(spend).toEqual({
      id: expect.stringMatching(/^spd_/),
      userId: user.id,
      points: 80,
      orderId: `order-${user.id}`,
      createdAt: expect.any(Number),
    });
    expect(balance).toBe(120);
    expect(await walletBalance(user.accessToken)).toBe(120);
  });

  it("10 parallel spends of one order spend it once", async () => {
    const user = await userWithLots([{ points: 1000, expiresAt: null }]);
    const orderId = `order-once-${user.id}`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        spendPoints(db, { userId: user.id, points: 30, orderId }, Date.now()),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 1, order_already_spent: 9 });
    expect(await walletBalance(user.accessToken)).toBe(970);
  });

  it("20 parallel spends against a balance that covers 7 make exactly 7", async () => {
    const user = await userWithLots([
      { points: 40, expiresAt: Date.now() + 5 * DAY },
      { points: 45, expiresAt: null },
    ]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        spendPoints(
          db,
          { userId: user.id, points: 12, orderId: `order-${i}-${user.id}` },
          Date.now(),
        ),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 7, insufficient_points: 13 });
    expect(await walletBalance(user.accessToken)).toBe(1);
  });

  it("never spends points past their expiry", async () => {
    const user = await userWithLots([
      { points: 100, expiresAt: Date.now() - 1000 },
      { points: 10, expiresAt: null },
    ]);
    await expect(
      spendPoints(
        db,
        { userId: user.id, points: 11, orderId: `order-expired-${user.id}` },
        Date.now(),
      ),
    ).rejects.toSatisfy(
      (error) => error instanceof ApiError && error.code === "insufficient_points",
    );
  });
});

describe("refundSpend", () => {
  it("returns the points with their original expiries, one credit per expiry", async () => {
    const soon = Date.now() + 3 * DAY;
    const later = Date.now() + 90 * DAY;
    const user = await userWithLots([
      { points: 20, expiresAt: soon },
      { points: 20, expiresAt: soon },
      { points: 50, expiresAt: later },
      { points: 100, expiresAt: null },
    ]);
    const { spend } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 120,
        orderId: `order-refund-${user.id}`,
      },
      Date.now(),
    );
    expect(await refundSpend(db, { userId: user.id, spendId: spend.id }, Date.now())).toEqual({
      balance: 190,
      refundedPoints: 120,
      remainingPoints: 0,
    });
    // Latest-expiring first: a partial refund would give back these first.
    expect(await reversalsOf(user.id)).toEqual([
      { points: 30, expiresAt: null },
      { points: 50, expiresAt: later },
      { points: 40, expiresAt: soon },
    ]);
  });

  it("refunds once, even when asked 10 times in parallel", async () => {
    const user = await userWithLots([{ points: 100, expiresAt: null }]);
    const { spend } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 60,
        orderId: `order-refund-once-${user.id}`,
      },
      Date.now(),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        refundSpend(db, { userId: user.id, spendId: spend.id }, Date.now()),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 1, already_refunded: 9 });
    expect(await walletBalance(user.accessToken)).toBe(100);
    await expect(
      refundSpend(db, { userId: user.id, spendId: spend.id }, Date.now()),
    ).rejects.toSatisfy((error) => error instanceof ApiError && error.code === "already_refunded");
  });

  it("refuses another user's spend as not_found", async () => {
    const owner = await userWithLots([{ points: 50, expiresAt: null }]);
    const other = await registerUser();
    const { spend } = await spendPoints(
      db,
      {
        userId: owner.id,
        points: 10,
        orderId: `order-foreign-${owner.id}`,
      },
      Date.now(),
    );
    await expect(
      refundSpend(db, { userId: other.id, spendId: spend.id }, Date.now()),
    ).rejects.toSatisfy((error) => error instanceof ApiError && error.code === "not_found");
  });

  it("points whose expiry passed since the spend come back expired", async () => {
    const user = await userWithLots([{ points: 30, expiresAt: Date.now() + DAY }]);
    const { spend } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 30,
        orderId: `order-late-refund-${user.id}`,
      },
      Date.now(),
    );
    const { balance } = await refundSpend(
      db,
      { userId: user.id, spendId: spend.id },
      Date.now() + 2 * DAY,
    );
    expect(balance).toBe(0);
  });
});

describe("partial refunds in the database", () => {
  it("never add up to more than the spend, whoever writes them", async () => {
    const user = await userWithLots([{ points: 50, expiresAt: null }]);
    const { spend } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 20,
        orderId: `order-partial-db-${user.id}`,
      },
      Date.now(),
    );
    const add = (points: number) =>
      env.DB.prepare("update point_spends set refunded_points = refunded_points + ? where id = ?")
        .bind(points, spend.id)
        .run();
    await add(15);
    await expect(add(6)).rejects.toThrow(/already_refunded/);
    await expect(add(-1)).rejects.toThrow(/already_refunded/);
    await add(5);
  });
});

describe("debit returns in the database", () => {
  it("refuse to return more than a debit took", async () => {
    const user = await userWithLots([{ points: 50, expiresAt: null }]);
    const { spend } = await spendPoints(
      db,
      {
        userId: user.id,
        points: 20,
        orderId: `order-overreturn-${user.id}`,
      },
      Date.now(),
    );
    const found = await env.DB.prepare(
      "select ledger_entry_id as id from point_spends where id = ?",
    )
      .bind(spend.id)
      .first<{ id: string }>();
    await expect(
      env.DB.prepare(
        "insert into debit_returns (debit_entry_id, user_id, points, created_at) values (?, ?, 21, 0)",
      )
        .bind(found?.id, user.id)
        .run(),
    ).rejects.toThrow(/exactly what the debit took/);
  });
});
