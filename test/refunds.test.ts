import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { settleReferrals } from "../src/jobs/settlement";
import {
  adminUser,
  callJson,
  expectError,
  parallelSignups,
  registerUser,
  type TestUser,
  uniqueIp,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

const DAY = 86_400_000;

function sendEvent(body: Record<string, unknown>) {
  return callJson("POST", "/v1/events", body, {
    headers: { Authorization: `Bearer ${env.EVENTS_API_KEY ?? ""}` },
  });
}

function refund(referee: { id: string }, extra: Record<string, unknown> = {}) {
  return sendEvent({
    type: "refund",
    userId: referee.id,
    externalId: `refund-${crypto.randomUUID()}`,
    ...extra,
  });
}

async function referralOf(refereeId: string) {
  return env.DB.prepare(
    "select id, status, qualified_ordinal, uncollected_points from referrals where referee_id = ?",
  )
    .bind(refereeId)
    .first<{
      id: string;
      status: string;
      qualified_ordinal: number | null;
      uncollected_points: number;
    }>();
}

async function pointsEarned(referrer: TestUser) {
  const [referrals, stats] = await Promise.all([
    callJson("GET", "/v1/me/referrals", undefined, { token: referrer.accessToken }),
    callJson("GET", "/v1/me/stats", undefined, { token: referrer.accessToken }),
  ]);
  expect(referrals.body.summary.pointsEarned).toBe(stats.body.pointsEarned);
  return stats.body.pointsEarned as number;
}

async function adjust(user: TestUser, points: number) {
  const boss = await adminUser();
  const response = await callJson(
    "POST",
    `/v1/admin/users/${user.id}/adjustments`,
    { points, reason: "Test adjustment" },
    { token: boss.accessToken, headers: { "Idempotency-Key": `adj-${crypto.randomUUID()}` } },
  );
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
}

/** A signup from a given client address (the same as the referrer's is held for review). */
async function registerFrom(ip: string, referralCode?: string) {
  const response = await callJson(
    "POST",
    "/v1/auth/register",
    {
      name: "Hasan Ali",
      phone: uniquePhone(),
      password: "correct horse battery",
      ...(referralCode ? { referralCode } : {}),
    },
    { ip },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.user as { id: string; referralCode: string };
}

describe("a refund never breaks the referrer", { timeout: 30_000 }, () => {
  it("in signup mode: refund, next signup, next refund… keeps working", async () => {
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    let referee = await registerUser({ referralCode: referrer.referralCode });
    for (let round = 0; round < 4; round++) {
      const reversed = await refund(referee);
      expect(reversed.body.reversed).toEqual([(await referralOf(referee.id))?.id]);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      referee = await registerUser({ referralCode: referrer.referralCode });
      expect(await referralOf(referee.id)).toMatchObject({
        status: "qualified",
        qualified_ordinal: 3 + round,
      });
    }
    // Tiers follow the signup ordinal: the sixth signup pays in the 4–10 tier.
    expect(await walletBalance(referrer.accessToken)).toBe(150);
    expect(await pointsEarned(referrer)).toBe(150);
  });

  it("in purchase mode: each next referee still qualifies after a refund", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      for (let round = 0; round < 4; round++) {
        const referee = await registerUser({ referralCode: referrer.referralCode });
        const order = `order-${crypto.randomUUID()}`;
        const bought = await sendEvent({ type: "purchase", userId: referee.id, externalId: order });
        expect(bought.status, JSON.stringify(bought.body)).toBe(202);
        expect(bought.body.qualified).toHaveLength(1);
        const reversed = await refund(referee, { refundOf: order });
        expect(reversed.body.reversed).toEqual(bought.body.qualified);
        expect(await walletBalance(referrer.accessToken)).toBe(0);
        expect(await walletBalance(referee.accessToken)).toBe(0);
      }
      expect(await pointsEarned(referrer)).toBe(0);
    });
  });

  it("after a refund, parallel signups each claim their own qualified position", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    await refund(referee);
    const signups = await parallelSignups(referrer.referralCode, 6);
    expect(signups.map((r) => r.status)).toEqual(Array(6).fill(201));
    const ordinals = await env.DB.prepare(
      "select qualified_ordinal from referrals where referrer_id = ? and status = 'qualified'",
    )
      .bind(referrer.id)
      .all<{ qualified_ordinal: number }>();
    expect(ordinals.results.map((r) => r.qualified_ordinal).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 6 }, (_, i) => i + 2),
    );
    // Signup ordinals 2–7: two at 50, four at 100.
    expect(await walletBalance(referrer.accessToken)).toBe(2 * 50 + 4 * 100);
  });

  it("parallel refunds of one referral reverse it once", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    const responses = await Promise.all(Array.from({ length: 10 }, () => refund(referee)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(responses.filter((r) => r.body.reversed.length === 1)).toHaveLength(1);
    const reversals = await env.DB.prepare(
      "select count(*) as n from ledger_entries where referral_id = ? and type = 'reversal'",
    )
      .bind((await referralOf(referee.id))?.id)
      .first<{ n: number }>();
    expect(reversals?.n).toBe(2);
    expect(await walletBalance(referrer.accessToken)).toBe(0);
    expect(await pointsEarned(referrer)).toBe(0);
  });

  it("a milestone is reached once, by the referral claiming its position", async () => {
    await withProgramChange(
      { milestones: [{ referrals: 2, unlock: "second_friend", bonusPoints: 300 }] },
      async () => {
        const referrer = await registerUser();
        await registerUser({ referralCode: referrer.referralCode });
        const second = await registerUser({ referralCode: referrer.referralCode });
        expect(await walletBalance(referrer.accessToken)).toBe(400);
        await refund(second);
        // The milestone bonus goes with the referral that reached it; the unlock stays.
        expect(await walletBalance(referrer.accessToken)).toBe(50);
        await registerUser({ referralCode: referrer.referralCode });
        expect(await walletBalance(referrer.accessToken)).toBe(100);
        const unlocks = await callJson("GET", "/v1/me/unlocks", undefined, {
          token: referrer.accessToken,
        });
        expect(unlocks.body.data.map((u: { unlock: string }) => u.unlock)).toEqual([
          "second_friend",
        ]);
      },
    );
  });
});

describe("a refund takes back everything the referral brought", () => {
  it("campaign bonuses too, and pointsEarned drops", async () => {
    const boss = await adminUser();
    const now = Date.now();
    const campaign = await callJson(
      "POST",
      "/v1/admin/campaigns",
      {
        name: "First friend",
        startsAt: new Date(now - DAY).toISOString(),
        endsAt: new Date(now + 7 * DAY).toISOString(),
        goalReferrals: 1,
        windowDays: 7,
        bonusPoints: 500,
      },
      { token: boss.accessToken },
    );
    expect(campaign.status).toBe(201);
    try {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(550);
      expect(await pointsEarned(referrer)).toBe(50);
      await refund(referee);
      expect(await walletBalance(referrer.accessToken)).toBe(0);
      expect(await walletBalance(referee.accessToken)).toBe(0);
      expect(await pointsEarned(referrer)).toBe(0);
      // The campaign can be completed again by a referral that stands.
      await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(550);
    } finally {
      await callJson(
        "PATCH",
        `/v1/admin/campaigns/${campaign.body.id}`,
        { active: false },
        { token: boss.accessToken },
      );
    }
  });

  it("never below zero: what was spent is recorded as uncollected", async () => {
    await withProgramChange(
      { milestones: [{ referrals: 1, unlock: "first_friend", bonusPoints: 200 }] },
      async () => {
        const referrer = await registerUser();
        const referee = await registerUser({ referralCode: referrer.referralCode });
        expect(await walletBalance(referrer.accessToken)).toBe(250);
        await adjust(referrer, -230);
        await refund(referee);
        expect(await walletBalance(referrer.accessToken)).toBe(0);
        expect(await referralOf(referee.id)).toMatchObject({
          status: "rejected",
          uncollected_points: 230,
        });
      },
    );
  });
});

describe("one-time unlocks", () => {
  it("parallel redemptions of one unlock spend once; the rest are 409", async () => {
    const user = await registerUser();
    await adjust(user, 5000);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        callJson(
          "POST",
          "/v1/me/redemptions",
          { rewardId: "rwd_lifetime_premium" },
          { token: user.accessToken, headers: { "Idempotency-Key": `premium-race-${i}` } },
        ),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 201)) {
      expectError(response, 409, "unlock_already_granted");
    }
    expect(await walletBalance(user.accessToken)).toBe(4000);
    const again = await callJson(
      "POST",
      "/v1/me/redemptions",
      { rewardId: "rwd_lifetime_premium" },
      { token: user.accessToken, headers: { "Idempotency-Key": "premium-later" } },
    );
    expectError(again, 409, "unlock_already_granted");
    expect(await walletBalance(user.accessToken)).toBe(4000);
  });
});

describe("strict events", () => {
  it("a refund of another order reverses nothing; of the qualifying one, it reverses", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const orderA = `A-${referee.id}`;
      await sendEvent({ type: "purchase", userId: referee.id, externalId: orderA });
      await sendEvent({ type: "purchase", userId: referee.id, externalId: `B-${referee.id}` });
      const other = await refund(referee, { refundOf: `B-${referee.id}` });
      expect(other.status).toBe(202);
      expect(other.body.reversed).toEqual([]);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      const qualifying = await refund(referee, { refundOf: orderA });
      expect(qualifying.body.reversed).toEqual([(await referralOf(referee.id))?.id]);
      expect(await walletBalance(referrer.accessToken)).toBe(0);
    });
  });

  it("an approval after the purchase is refunded by a refund of that purchase", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const ip = uniqueIp();
      const referrer = await registerFrom(ip);
      const referee = await registerFrom(ip, referrer.referralCode);
      expect((await referralOf(referee.id))?.status).toBe("held");
      const order = `order-${referee.id}`;
      await sendEvent({ type: "purchase", userId: referee.id, externalId: order });
      const boss = await adminUser();
      const id = (await referralOf(referee.id))?.id;
      const approved = await callJson("POST", `/v1/admin/referrals/${id}/approve`, undefined, {
        token: boss.accessToken,
      });
      expect(approved.body.referral.status).toBe("qualified");
      expect((await refund(referee, { refundOf: "another-order" })).body.reversed).toEqual([]);
      expect((await refund(referee, { refundOf: order })).body.reversed).toEqual([id]);
    });
  });

  it("only a refund may name the event it refunds", async () => {
    const user = await registerUser();
    expectError(
      await sendEvent({ type: "purchase", userId: user.id, externalId: "p-1", refundOf: "p-0" }),
      400,
      "validation_error",
    );
  });

  it("an event type the program does not list is 422 and records nothing", async () => {
    const user = await registerUser();
    const typo = await sendEvent({ type: "purchse", userId: user.id, externalId: "typo-1" });
    expectError(typo, 422, "unknown_event_type");
    const stored = await env.DB.prepare("select count(*) as n from events where external_id = ?")
      .bind("typo-1")
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
    expect(
      (await sendEvent({ type: "purchase", userId: user.id, externalId: "typo-1" })).status,
    ).toBe(202);
    await withProgramChange({ eventTypes: ["purchase", "subscription"] }, async () => {
      const listed = await sendEvent({
        type: "subscription",
        userId: user.id,
        externalId: "sub-1",
      });
      expect(listed.status).toBe(202);
    });
  });

  it("the same externalId with a different body is 422 idempotency_key_reused", async () => {
    const user = await registerUser();
    const first = await sendEvent({
      type: "purchase",
      userId: user.id,
      externalId: "order-7",
      amount: 100,
    });
    expect(first.status).toBe(202);
    const replay = await sendEvent({
      type: "purchase",
      userId: user.id,
      externalId: "order-7",
      amount: 100,
    });
    expect(replay.body).toEqual(first.body);
    expectError(
      await sendEvent({ type: "purchase", userId: user.id, externalId: "order-7", amount: 999 }),
      422,
      "idempotency_key_reused",
    );
  });
});

describe("settlement", () => {
  it("a program version without holdDays holds for the default 14 days", async () => {
    await env.DB.prepare(
      `insert into programs (version, rules, created_at)
       select version + 1, json_remove(rules, '$.holdDays'), 0 from programs
       order by version desc limit 1`,
    ).run();
    try {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const db = createDb(env.DB);
      await settleReferrals(db, Date.now() + 2 * DAY);
      const settled = await env.DB.prepare("select settled_at from referrals where referee_id = ?")
        .bind(referee.id)
        .first<{ settled_at: number | null }>();
      expect(settled?.settled_at).toBeNull();
    } finally {
      await env.DB.prepare(
        `insert into programs (version, rules, created_at)
         select version + 1, (select rules from programs p where p.version = programs.version - 1), 0
           from programs order by version desc limit 1`,
      ).run();
    }
  });
});
