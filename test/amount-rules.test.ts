import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { qualifiesByEvent, referrerPointsFor } from "../src/program/rules";
import { ProgramRulesSchema } from "../src/program/schemas";
import { defaultRules } from "./fixtures";
import {
  adminUser,
  callJson,
  expectError,
  registerUser,
  type TestUser,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

function purchase(referee: TestUser, orderId: string, amount?: number) {
  return callJson(
    "POST",
    "/v1/events",
    { type: "purchase", userId: referee.id, externalId: orderId, amount },
    { headers: { Authorization: `Bearer ${env.EVENTS_API_KEY ?? ""}` } },
  );
}

const percentTiers = [
  { fromReferral: 1, percentOfAmount: 5, maxPoints: 300 },
  { fromReferral: 3, points: 100 },
];

describe("amount-based rules (pure)", () => {
  it("a percent tier pays the floor of the percent, at most maxPoints, and 0 without an amount", () => {
    expect(referrerPointsFor(1, percentTiers, 1_999)).toBe(99);
    expect(referrerPointsFor(2, percentTiers, 100_000)).toBe(300);
    expect(referrerPointsFor(1, percentTiers, null)).toBe(0);
    expect(referrerPointsFor(3, percentTiers, null)).toBe(100);
  });

  it("an event qualifies only of the qualification type and at least minimumAmount", () => {
    const rules = { ...defaultRules, qualification: "purchase", minimumAmount: 1000 };
    expect(qualifiesByEvent(rules, { type: "purchase", amount: 999 })).toBe(false);
    expect(qualifiesByEvent(rules, { type: "purchase", amount: null })).toBe(false);
    expect(qualifiesByEvent(rules, { type: "purchase", amount: 1000 })).toBe(true);
    expect(qualifiesByEvent(rules, { type: "signup", amount: 5000 })).toBe(false);
  });

  it("a tier with both points and percentOfAmount, or neither, is refused", () => {
    const withTiers = (referrerTiers: unknown) =>
      ProgramRulesSchema.safeParse({ ...defaultRules, qualification: "purchase", referrerTiers })
        .success;
    expect(withTiers([{ fromReferral: 1, points: 5, percentOfAmount: 5 }])).toBe(false);
    expect(withTiers([{ fromReferral: 1 }])).toBe(false);
    expect(withTiers([{ fromReferral: 1, points: 5, maxPoints: 5 }])).toBe(false);
    expect(withTiers(percentTiers)).toBe(true);
  });
});

describe("amount-based rules (through the API)", () => {
  it("an event below minimumAmount qualifies nothing; a later one at the minimum pays its percent", async () => {
    await withProgramChange(
      { qualification: "purchase", minimumAmount: 1000, referrerTiers: percentTiers },
      async () => {
        const referrer = await registerUser();
        const referee = await registerUser({ referralCode: referrer.referralCode });
        const small = await purchase(referee, `small-${referee.id}`, 999);
        expect(small.status).toBe(202);
        expect(small.body.qualified).toEqual([]);
        const none = await purchase(referee, `none-${referee.id}`);
        expect(none.body.qualified).toEqual([]);
        expect(await walletBalance(referrer.accessToken)).toBe(0);
        const big = await purchase(referee, `big-${referee.id}`, 4_321);
        expect(big.body.qualified).toHaveLength(1);
        // 5% of 4,321 rounded down.
        expect(await walletBalance(referrer.accessToken)).toBe(216);
        const second = await registerUser({ referralCode: referrer.referralCode });
        await purchase(second, `huge-${second.id}`, 1_000_000);
        expect(await walletBalance(referrer.accessToken)).toBe(216 + 300);
      },
    );
  });

  it("a waiting referral shows 0 referrer points under a percent tier until its event comes", async () => {
    await withProgramChange(
      { qualification: "purchase", referrerTiers: percentTiers },
      async () => {
        const referrer = await registerUser();
        const referee = await registerUser({ referralCode: referrer.referralCode });
        const referrals = await callJson("GET", "/v1/me/referrals", undefined, {
          token: referrer.accessToken,
        });
        expect(referrals.body.data[0]).toMatchObject({ status: "pending", rewardPoints: 0 });
        await purchase(referee, `order-${referee.id}`, 2_000);
        const after = await callJson("GET", "/v1/me/referrals", undefined, {
          token: referrer.accessToken,
        });
        expect(after.body.data[0]).toMatchObject({ status: "qualified", rewardPoints: 100 });
      },
    );
  });

  it("an approval pays the percent of the referee's first event that meets the minimum", async () => {
    await withProgramChange(
      { qualification: "purchase", minimumAmount: 1000, referrerTiers: percentTiers },
      async () => {
        const device = `amount-device-${crypto.randomUUID()}`;
        const onDevice = (referralCode?: string) =>
          callJson(
            "POST",
            "/v1/auth/register",
            {
              name: "Device Person",
              phone: uniquePhone(),
              password: "correct horse battery",
              ...(referralCode ? { referralCode } : {}),
            },
            { headers: { "X-Device-Id": device } },
          );
        const referrer = (await onDevice()).body;
        const referee = (await onDevice(referrer.user.referralCode)).body;
        const held = await env.DB.prepare("select id, status from referrals where referee_id = ?")
          .bind(referee.user.id)
          .first<{ id: string; status: string }>();
        expect(held?.status).toBe("held");
        await purchase(referee.user, `a-small-${referee.user.id}`, 500);
        await purchase(referee.user, `a-big-${referee.user.id}`, 3_000);
        await purchase(referee.user, `a-later-${referee.user.id}`, 9_000);
        const admin = await adminUser();
        const approved = await callJson(
          "POST",
          `/v1/admin/referrals/${held?.id}/approve`,
          undefined,
          { token: admin.accessToken },
        );
        expect(approved.status, JSON.stringify(approved.body)).toBe(200);
        // 5% of 3,000 (the first order at the minimum; the 500 one is under it, the 9,000 later).
        expect(await walletBalance(referrer.accessToken)).toBe(150);
      },
    );
  });

  it("publishing a tier with both points and percentOfAmount is 400 and changes nothing", async () => {
    const admin = await adminUser();
    const before = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    for (const rules of [
      {
        ...before.body.rules,
        qualification: "purchase",
        referrerTiers: [{ fromReferral: 1, points: 50, percentOfAmount: 5 }],
      },
      { ...before.body.rules, qualification: "signup", referrerTiers: percentTiers },
      { ...before.body.rules, qualification: "signup", minimumAmount: 100 },
      { ...before.body.rules, qualification: "purchase", minimumAmount: -1 },
    ]) {
      const response = await callJson(
        "PUT",
        "/v1/admin/program",
        { rules },
        { token: admin.accessToken },
      );
      expectError(response, 400, "validation_error");
    }
    const after = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    expect(after.body).toEqual(before.body);
  });
});
