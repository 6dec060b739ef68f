/**
 * The server key of the writes that reach the D1 primary once (checkout, spend, refund): the
 * key is read where the request's reads go (a replica) and asked of the primary before it is
 * refused, and the write's own batch refuses a key revoked since its check.
 *
 * Locally there is one database, so what a replica allows is made here by wrapping the
 * request's D1 session (what `DB.withSession` gives the app; the primary, `DB` itself, is
 * left alone): a revocation that commits between the key's check and the batch, and a
 * replica that has not seen a new key yet.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { revokeApiKey } from "../src/credentials/server-keys";
import { createDb } from "../src/db/client";
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

type Session = ReturnType<D1Database["withSession"]>;

/** The Worker's env with every request's D1 session passed through `wrap`. */
function withSessions(wrap: (session: Session) => Session): Cloudflare.Env {
  const DB = new Proxy(env.DB, {
    get(target, property) {
      if (property === "withSession") {
        return (constraint?: string) => wrap(target.withSession(constraint));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...env, DB };
}

/** A revocation of `keyId` that commits after the request's reads, just before its batch. */
const revokedBeforeBatch = (keyId: string) =>
  withSessions((session) => ({
    prepare: (query) => session.prepare(query),
    getBookmark: () => session.getBookmark(),
    batch: async (statements) => {
      await revokeApiKey(createDb(env.DB), keyId, Date.now()).run();
      return session.batch(statements);
    },
  }));

/**
 * A replica that has not seen any server key yet: its reads find no `api_keys` row. Writes
 * (the batch) go to the primary, which has them.
 */
const replicaWithoutKeys = withSessions((session) => ({
  prepare: (query) =>
    session.prepare(
      query.startsWith("select")
        ? query.replaceAll(
            'from "api_keys"',
            'from (select * from "api_keys" where 0) as "api_keys"',
          )
        : query,
    ),
  getBookmark: () => session.getBookmark(),
  batch: (statements) => session.batch(statements),
}));

/** A call through the Worker with `workerEnv`, settled (after-response work done). */
async function callWith(
  workerEnv: Cloudflare.Env,
  path: string,
  secret: string,
  body: unknown,
  idempotencyKey?: string,
) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers: {
        "CF-Connecting-IP": uniqueIp(),
        "Content-Type": "application/json",
        Authorization: `Bearer ${secret}`,
        ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
    }),
    workerEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: await response.json<Json>(), headers: response.headers };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely and asserted on.
type Json = any;

/** A user with 300 points (an admin's adjustment) and a coupon redeemed from them. */
async function userWithCoupon(): Promise<{ user: TestUser; coupon: string }> {
  const [admin, user] = await Promise.all([adminUser(), registerUser()]);
  const credit = await callJson(
    "POST",
    `/v1/admin/users/${user.id}/adjustments`,
    { points: 300, reason: "Server key test credit" },
    { token: admin.accessToken, headers: { "Idempotency-Key": crypto.randomUUID() } },
  );
  expect(credit.status, JSON.stringify(credit.body)).toBe(201);
  const redeemed = await callJson(
    "POST",
    "/v1/me/redemptions",
    { rewardId: "rwd_discount_10" },
    { token: user.accessToken, headers: { "Idempotency-Key": crypto.randomUUID() } },
  );
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(201);
  return { user, coupon: redeemed.body.redemption.couponCode };
}

/** What a server call may have written for `user` and under `keyId`'s Idempotency-Keys. */
async function writtenFor(user: TestUser, keyId: string) {
  const count = async (sql: string, id: string) =>
    (await env.DB.prepare(sql).bind(id).first<{ n: number }>())?.n;
  return {
    balance: await walletBalance(user.accessToken),
    checkouts: await count("select count(*) as n from checkouts where user_id = ?", user.id),
    spends: await count("select count(*) as n from point_spends where user_id = ?", user.id),
    refunded: await count(
      "select coalesce(sum(refunded_points), 0) as n from point_spends where user_id = ?",
      user.id,
    ),
    usedCoupons: await count(
      "select count(*) as n from redemptions where user_id = ? and coupon_status = 'used'",
      user.id,
    ),
    idempotencyKeys: await count(
      "select count(*) as n from idempotency_keys where user_id = ?",
      keyId,
    ),
  };
}

let key: { id: string; secret: string };
beforeAll(async () => {
  key = await serverKey(["coupons", "wallet"]);
});

describe("a server key revoked after its check and before the write's batch", () => {
  it("a checkout writes nothing and answers 401", async () => {
    const revoking = await serverKey(["coupons", "wallet"]);
    const { user, coupon } = await userWithCoupon();
    const before = await writtenFor(user, revoking.id);
    const answer = await callWith(
      revokedBeforeBatch(revoking.id),
      `/v1/users/${user.id}/checkout`,
      revoking.secret,
      { orderId: "order-revoked-1", couponCode: coupon, points: 10 },
      crypto.randomUUID(),
    );
    expectError(answer, 401, "unauthorized");
    expect(await writtenFor(user, revoking.id)).toEqual(before);
  });

  it("a spend writes nothing and answers 401", async () => {
    const revoking = await serverKey(["wallet"]);
    const { user } = await userWithCoupon();
    const before = await writtenFor(user, revoking.id);
    const answer = await callWith(
      revokedBeforeBatch(revoking.id),
      `/v1/users/${user.id}/wallet/spend`,
      revoking.secret,
      { points: 10, orderId: "order-revoked-2" },
      crypto.randomUUID(),
    );
    expectError(answer, 401, "unauthorized");
    expect(await writtenFor(user, revoking.id)).toEqual(before);
  });

  it("a refund, with an Idempotency-Key or without, writes nothing and answers 401", async () => {
    const revoking = await serverKey(["wallet"]);
    const { user } = await userWithCoupon();
    const spent = await callWith(
      env,
      `/v1/users/${user.id}/wallet/spend`,
      key.secret,
      { points: 40, orderId: "order-revoked-3" },
      crypto.randomUUID(),
    );
    expect(spent.status).toBe(201);
    const path = `/v1/users/${user.id}/wallet/spend/${spent.body.spend.id}/refund`;
    const before = await writtenFor(user, revoking.id);
    for (const idempotencyKey of [crypto.randomUUID(), undefined]) {
      const answer = await callWith(
        revokedBeforeBatch(revoking.id),
        path,
        revoking.secret,
        { points: 10 },
        idempotencyKey,
      );
      expectError(answer, 401, "unauthorized");
    }
    expect(await writtenFor(user, revoking.id)).toEqual(before);
  });

  it("a retry of a spend that succeeded is refused, not replayed", async () => {
    const revoking = await serverKey(["wallet"]);
    const { user } = await userWithCoupon();
    const idempotencyKey = crypto.randomUUID();
    const body = { points: 10, orderId: "order-revoked-4" };
    const path = `/v1/users/${user.id}/wallet/spend`;
    const first = await callWith(env, path, revoking.secret, body, idempotencyKey);
    expect(first.status).toBe(201);
    const before = await writtenFor(user, revoking.id);
    const retry = await callWith(
      revokedBeforeBatch(revoking.id),
      path,
      revoking.secret,
      body,
      idempotencyKey,
    );
    expectError(retry, 401, "unauthorized");
    expect(await writtenFor(user, revoking.id)).toEqual(before);
  });
});

describe("a server key the replica does not show as live", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is asked of the primary: a new key works at once, one more primary round trip", async () => {
    const fresh = await serverKey(["coupons", "wallet"]);
    const { user, coupon } = await userWithCoupon();
    const log = vi.spyOn(console, "log");
    const answer = await callWith(
      replicaWithoutKeys,
      `/v1/users/${user.id}/checkout`,
      fresh.secret,
      { orderId: "order-fresh-1", couponCode: coupon, points: 10 },
      crypto.randomUUID(),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const line = log.mock.calls
      .map(([first]) =>
        typeof first === "string" && first.startsWith("{") ? JSON.parse(first) : {},
      )
      .find((entry) => entry.type === "request" && entry.route === "/v1/users/:id/checkout");
    expect(line?.d1).toMatchObject({ primaryRoundTrips: 2, batches: 1 });
  });

  it("a revoked key is refused after the primary says so too, writing nothing", async () => {
    const admin = await adminUser();
    const revoked = await serverKey(["wallet"]);
    const deleted = await callJson("DELETE", `/v1/admin/api-keys/${revoked.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(deleted.status).toBe(204);
    const { user } = await userWithCoupon();
    const before = await writtenFor(user, revoked.id);
    const answer = await callWith(
      replicaWithoutKeys,
      `/v1/users/${user.id}/wallet/spend`,
      revoked.secret,
      { points: 10, orderId: "order-fresh-2" },
      crypto.randomUUID(),
    );
    expectError(answer, 401, "unauthorized");
    expect(await writtenFor(user, revoked.id)).toEqual(before);
  });
});
