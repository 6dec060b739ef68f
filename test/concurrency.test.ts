import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  callJson,
  referrerWith,
  registerUser,
  uniqueIp,
  uniquePhone,
  walletBalance,
} from "./harness";

/** Real parallel requests: all are in flight before any is awaited. */
function inParallel<T>(count: number, request: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => request(i)));
}

// Dozens of requests (signups hash passwords) in flight at once: seconds on a busy machine.
describe("concurrency", { timeout: 20_000 }, () => {
  it("10 parallel signups on one code pay exactly 3×50 + 7×100", async () => {
    const referrer = await registerUser({ name: "Viral Person" });
    const responses = await inParallel(10, () =>
      callJson("POST", "/v1/auth/register", {
        name: "Fan Number",
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode: referrer.referralCode,
      }),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(await walletBalance(referrer.accessToken)).toBe(850);
    const ordinals = await env.DB.prepare(
      "select ordinal, referrer_points from referrals where referrer_id = ? order by ordinal",
    )
      .bind(referrer.id)
      .all<{ ordinal: number; referrer_points: number }>();
    expect(ordinals.results.map((r) => r.ordinal)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ordinals.results.map((r) => r.referrer_points)).toEqual([
      50, 50, 50, 100, 100, 100, 100, 100, 100, 100,
    ]);
    const { body } = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    expect(body.summary).toMatchObject({ total: 10, qualified: 10, pointsEarned: 850 });
  });

  it("40 parallel signups on one code all succeed, each in its own place", async () => {
    // A code shared by someone with a following: a burst on one referrer must queue up in
    // the database's order, never run out of retries and answer 500.
    const referrer = await registerUser({ name: "Very Viral Person" });
    const responses = await inParallel(40, () =>
      callJson(
        "POST",
        "/v1/auth/register",
        {
          name: "Fan Number",
          phone: uniquePhone(),
          password: "correct horse battery",
          referralCode: referrer.referralCode,
        },
        { ip: uniqueIp() },
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(201));
    const ordinals = await env.DB.prepare(
      "select ordinal from referrals where referrer_id = ? order by ordinal",
    )
      .bind(referrer.id)
      .all<{ ordinal: number }>();
    expect(ordinals.results.map((r) => r.ordinal)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it("25 parallel redemptions of 100 against 850 succeed exactly 8 times, leaving 50", async () => {
    const referrer = await referrerWith(10);
    expect(await walletBalance(referrer.accessToken)).toBe(850);
    const responses = await inParallel(25, (i) =>
      callJson(
        "POST",
        "/v1/me/redemptions",
        {},
        {
          token: referrer.accessToken,
          headers: { "Idempotency-Key": `parallel-redemption-${i}` },
        },
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(8);
    expect(statuses.filter((s) => s === 422)).toHaveLength(17);
    for (const r of responses.filter((r) => r.status === 422)) {
      expect(r.body.error.code).toBe("insufficient_points");
    }
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    const coupons = new Set(
      responses.filter((r) => r.status === 201).map((r) => r.body.redemption.couponCode),
    );
    expect(coupons.size).toBe(8);
  });

  it("parallel requests with one Idempotency-Key spend once", async () => {
    const referrer = await referrerWith(10);
    const responses = await inParallel(10, () =>
      callJson(
        "POST",
        "/v1/me/redemptions",
        {},
        {
          token: referrer.accessToken,
          headers: { "Idempotency-Key": "one-key-many-tries" },
        },
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    const busy = responses.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.redemption.id)).size).toBe(1);
    for (const r of busy) expect(r.body.error.code).toBe("idempotency_in_progress");
    expect(await walletBalance(referrer.accessToken)).toBe(750);
  });

  it("parallel signups with one phone create one user", async () => {
    const phone = uniquePhone();
    const responses = await inParallel(8, (i) =>
      callJson("POST", "/v1/auth/register", {
        name: `Twin ${i}`,
        phone,
        password: "correct horse battery",
      }),
    );
    // Five attempts per phone an hour get through the limiter; one of them creates the user.
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 429, 429, 429]);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.body.error.code).toBe("phone_taken");
    }
    const count = await env.DB.prepare("select count(*) as n from users where phone = ?")
      .bind(phone)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("parallel refreshes of one token: one wins, and the reuse revokes the family", async () => {
    const user = await registerUser();
    const responses = await inParallel(5, () =>
      callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken }),
    );
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("invalid_refresh_token");
    }
    const next = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: winners[0]?.body.refreshToken,
    });
    expect(next.status).toBe(401);
  });
});
