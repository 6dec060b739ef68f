import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { simulateReferrals } from "../src/program/simulation";
import { defaultRules } from "./fixtures";
import {
  adminUser,
  call,
  callJson,
  expectError,
  registerUser,
  type TestUser,
  tableCounts,
  uniquePhone,
  withProgramChange,
} from "./harness";

const SIMULATIONS = "/v1/admin/program/simulations";

function event(body: Record<string, unknown>) {
  return callJson("POST", "/v1/events", body, {
    headers: { Authorization: `Bearer ${env.EVENTS_API_KEY ?? ""}` },
  });
}

let orders = 0;
async function buy(referee: TestUser, amount: number) {
  const response = await event({
    type: "purchase",
    userId: referee.id,
    eventId: `sim-${referee.id}-${++orders}`,
    amount,
  });
  expect(response.status).toBe(202);
}

async function registerOnDevice(device: string, referralCode?: string): Promise<TestUser> {
  const body = {
    name: "Device Person",
    phone: uniquePhone(),
    password: "correct horse battery",
    ...(referralCode ? { referralCode } : {}),
  };
  const response = await call("POST", "/v1/auth/register", body, {
    headers: { "X-Device-Id": device },
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { user: TestUser; accessToken: string };
  return { ...created.user, password: body.password, accessToken: created.accessToken };
}

/** What was really paid for the window's referrals that are qualified now, by the ledger. */
async function actuallyPaid() {
  const row = await env.DB.prepare(
    `select
       (select count(*) from referrals where status = 'qualified') as qualified,
       (select count(*) from referrals where status = 'held') as held,
       coalesce(sum(case when l.type = 'referral_reward' then l.points end), 0) as referrerPoints,
       coalesce(sum(case when l.type = 'signup_bonus' then l.points end), 0) as refereePoints,
       coalesce(sum(case when l.type = 'milestone_bonus' then l.points end), 0) as bonusPoints,
       coalesce(sum(l.points), 0) as totalPoints
     from ledger_entries l join referrals r on r.id = l.referral_id
     where r.status = 'qualified' and l.points > 0`,
  ).first();
  return row;
}

const amountRules = {
  qualification: "purchase",
  minimumAmount: 1000,
  referrerTiers: [
    { fromReferral: 1, percentOfAmount: 10, maxPoints: 500 },
    { fromReferral: 3, points: 100 },
  ],
  milestones: [{ referrals: 3, unlock: "free_theme", bonusPoints: 70 }],
};

describe("POST /v1/admin/program/simulations", () => {
  it("with the rules in force it equals what was paid; a draft shows what it would have paid", async () => {
    await withProgramChange(amountRules, async () => {
      const admin = await adminUser();
      const device = `sim-device-${crypto.randomUUID()}`;
      const alice = await registerOnDevice(device);
      const bob = await registerUser();
      const [a1, a2, a3, a4, a6] = [
        await registerUser({ referralCode: alice.referralCode }),
        await registerUser({ referralCode: alice.referralCode }),
        await registerUser({ referralCode: alice.referralCode }),
        await registerUser({ referralCode: alice.referralCode }),
        await registerUser({ referralCode: alice.referralCode }),
      ] as TestUser[] as [TestUser, TestUser, TestUser, TestUser, TestUser];
      await registerOnDevice(device, alice.referralCode); // held: alice's own device
      const [b1, b2] = [
        await registerUser({ referralCode: bob.referralCode }),
        await registerUser({ referralCode: bob.referralCode }),
      ] as [TestUser, TestUser];
      await buy(a1, 2000); // alice's 1st place: 10% = 200
      await buy(a2, 500); // under the minimum: nothing
      await buy(a6, 3000); // 2nd place: 300 …
      await buy(a2, 9000); // 3rd place: 100, and the milestone's 70
      expect((await event({ type: "refund", userId: a6.id, eventId: `r-${a6.id}` })).status).toBe(
        202,
      ); // … reversed
      await buy(b1, 1000); // bob's 1st: 100
      await buy(a3, 1500); // alice's 4th: 100
      await buy(b2, 1000); // bob's 2nd: 100, then b2 is erased (what was paid stays paid)
      const erased = await callJson(
        "DELETE",
        "/v1/me",
        { password: b2.password },
        { token: b2.accessToken },
      );
      expect(erased.status).toBe(204);
      void a4; // never buys: pending

      const current = await callJson("GET", "/v1/admin/program", undefined, {
        token: admin.accessToken,
      });
      const before = await tableCounts();
      const same = await callJson(
        "POST",
        SIMULATIONS,
        { rules: current.body.rules, days: 1 },
        { token: admin.accessToken },
      );
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      const paid = {
        qualified: 5,
        held: 1,
        referrerPoints: 600,
        refereePoints: 100,
        bonusPoints: 70,
        totalPoints: 770,
      };
      expect(await actuallyPaid()).toEqual(paid);
      expect(same.body).toEqual({ days: 1, referrals: 8, current: paid, draft: paid });

      // Without the minimum, a2's small order qualifies it 2nd (10% of 500 = 50), the
      // refunded a6 takes the 3rd place and its milestone, and a3 the 4th.
      const draft = await callJson(
        "POST",
        SIMULATIONS,
        { rules: { ...current.body.rules, minimumAmount: null } },
        { token: admin.accessToken },
      );
      expect(draft.body).toEqual({
        days: 30,
        referrals: 8,
        current: paid,
        draft: {
          qualified: 5,
          held: 1,
          referrerPoints: 550,
          refereePoints: 100,
          bonusPoints: 0,
          totalPoints: 650,
        },
      });
      expect(await tableCounts()).toEqual(before);
    });
  });

  it("a simulation over more than 365 days, of a bad draft, or by a non-admin is refused and writes nothing", async () => {
    const admin = await adminUser();
    const user = await registerUser();
    const { body: current } = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    const before = await tableCounts();
    for (const body of [
      { rules: current.rules, days: 366 },
      { rules: current.rules, days: 0 },
      { rules: current.rules, days: 1.5 },
      { days: 30 },
      {
        rules: {
          ...current.rules,
          qualification: "purchase",
          referrerTiers: [{ fromReferral: 1, points: 5, percentOfAmount: 5 }],
        },
      },
    ]) {
      expectError(
        await callJson("POST", SIMULATIONS, body, { token: admin.accessToken }),
        400,
        "validation_error",
      );
    }
    expectError(
      await callJson("POST", SIMULATIONS, { rules: current.rules }, { token: user.accessToken }),
      403,
      "forbidden",
    );
    expectError(await callJson("POST", SIMULATIONS, { rules: current.rules }), 401, "unauthorized");
    expect(await tableCounts()).toEqual(before);
  });
});

describe("simulateReferrals (pure)", () => {
  const base = {
    referrerId: "usr_a",
    status: "qualified" as const,
    refereeVerifiedAt: null,
    referrerErasedAt: null,
    refereeErasedAt: null,
    placesBefore: 3,
    events: [],
  };

  it("places continue after those claimed before the window, in the order referrals qualify", () => {
    const referrals = [
      { ...base, id: "ref_2", createdAt: 20, qualifiedAt: 20 },
      { ...base, id: "ref_1", createdAt: 10, qualifiedAt: 10 },
    ];
    // Places 4 and 5: both in the 4–10 tier.
    expect(simulateReferrals(referrals, defaultRules)).toMatchObject({
      qualified: 2,
      referrerPoints: 200,
      refereePoints: 40,
      bonusPoints: 0,
    });
  });

  it("a side erased before the referral qualifies is not paid; held ones only count as held", () => {
    const referrals = [
      { ...base, id: "ref_1", createdAt: 10, qualifiedAt: 10, refereeErasedAt: 5 },
      { ...base, id: "ref_2", createdAt: 11, qualifiedAt: null, status: "held" as const },
    ];
    expect(simulateReferrals(referrals, defaultRules)).toEqual({
      qualified: 1,
      held: 1,
      referrerPoints: 100,
      refereePoints: 0,
      bonusPoints: 0,
      totalPoints: 100,
    });
  });
});
