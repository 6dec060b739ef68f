import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Campaign, campaignsCompleted } from "../src/campaigns/rules";
import {
  adminUser,
  callJson,
  expectError,
  parallelSignups,
  referrerWith,
  registerUser,
  walletBalance,
} from "./harness";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1);
const sprint: Campaign = {
  id: "cmp_sprint",
  name: "Holiday sprint",
  startsAt: T0,
  endsAt: T0 + 30 * DAY,
  goalReferrals: 3,
  windowDays: 7,
  bonusPoints: 500,
  active: true,
};
const context = (recentQualifiedAt: number[], earned: string[] = []) => ({
  running: [sprint],
  earned: new Set(earned),
  recentQualifiedAt,
});

describe("campaign rules", () => {
  it("3 referrals within 7 days complete the goal on the third", () => {
    expect(campaignsCompleted(context([T0 + 2 * DAY, T0 + DAY]), T0 + 6 * DAY)).toEqual([sprint]);
    expect(campaignsCompleted(context([T0 + DAY]), T0 + 6 * DAY)).toEqual([]);
  });

  it("counts only referrals inside the rolling window and inside the campaign", () => {
    // The first is 8 days old: outside the 7-day window.
    expect(campaignsCompleted(context([T0 + 5 * DAY, T0]), T0 + 8 * DAY)).toEqual([]);
    // Exactly 7 days is still inside.
    expect(campaignsCompleted(context([T0 + 5 * DAY, T0 + DAY]), T0 + 8 * DAY)).toEqual([sprint]);
    // Referrals from before the campaign started do not count.
    expect(campaignsCompleted(context([T0 - DAY, T0 - 2 * DAY]), T0 + DAY)).toEqual([]);
  });

  it("is earned once, only while running and active", () => {
    const two = [T0 + 2 * DAY, T0 + DAY];
    expect(campaignsCompleted(context(two, ["cmp_sprint"]), T0 + 3 * DAY)).toEqual([]);
    expect(campaignsCompleted(context(two), T0 + 30 * DAY)).toEqual([]);
    expect(campaignsCompleted(context(two), T0 - 1)).toEqual([]);
    expect(
      campaignsCompleted(
        { ...context(two), running: [{ ...sprint, active: false }] },
        T0 + 3 * DAY,
      ),
    ).toEqual([]);
  });
});

async function startCampaign(overrides: Record<string, unknown> = {}) {
  const boss = await adminUser();
  const now = Date.now();
  const response = await callJson(
    "POST",
    "/v1/admin/campaigns",
    {
      name: "Three in a week",
      startsAt: new Date(now - DAY).toISOString(),
      endsAt: new Date(now + 7 * DAY).toISOString(),
      goalReferrals: 3,
      windowDays: 7,
      bonusPoints: 500,
      ...overrides,
    },
    { token: boss.accessToken },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { boss, campaign: response.body };
}

async function endCampaign(boss: { accessToken: string }, id: string) {
  await callJson(
    "PATCH",
    `/v1/admin/campaigns/${id}`,
    { active: false },
    { token: boss.accessToken },
  );
}

describe("campaigns, end to end", () => {
  it("the third referral in the window credits +500 campaign_bonus, once", async () => {
    const { boss, campaign } = await startCampaign();
    try {
      const referrer = await referrerWith(2);
      expect(await walletBalance(referrer.accessToken)).toBe(100);
      await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(150 + 500);
      const ledger = await callJson("GET", "/v1/me/wallet/transactions?limit=1", undefined, {
        token: referrer.accessToken,
      });
      expect(ledger.body.data[0]).toMatchObject({
        type: "campaign_bonus",
        points: 500,
        description: "Campaign: Three in a week",
      });
      await registerUser({ referralCode: referrer.referralCode });
      await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(150 + 500 + 200);
    } finally {
      await endCampaign(boss, campaign.id);
    }
  });

  it("parallel referrals completing the goal award it once", async () => {
    const { boss, campaign } = await startCampaign({ bonusPoints: 300 });
    try {
      const referrer = await referrerWith(1);
      await parallelSignups(referrer.referralCode, 4);
      const awards = await env.DB.prepare(
        "select count(*) as n from campaign_awards where user_id = ?",
      )
        .bind(referrer.id)
        .first<{ n: number }>();
      expect(awards?.n).toBe(1);
      expect(await walletBalance(referrer.accessToken)).toBe(3 * 50 + 2 * 100 + 300);
    } finally {
      await endCampaign(boss, campaign.id);
    }
  });

  it("an ended or future campaign pays nothing", async () => {
    const future = await startCampaign({
      startsAt: new Date(Date.now() + DAY).toISOString(),
      endsAt: new Date(Date.now() + 9 * DAY).toISOString(),
      goalReferrals: 1,
    });
    try {
      const referrer = await referrerWith(1);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
    } finally {
      await endCampaign(future.boss, future.campaign.id);
    }
  });

  it("admins list, change and validate campaigns; users may not", async () => {
    const { boss, campaign } = await startCampaign();
    const listed = await callJson("GET", "/v1/admin/campaigns", undefined, {
      token: boss.accessToken,
    });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toContain(campaign.id);
    const changed = await callJson(
      "PATCH",
      `/v1/admin/campaigns/${campaign.id}`,
      { bonusPoints: 750 },
      { token: boss.accessToken },
    );
    expect(changed.body).toMatchObject({ id: campaign.id, bonusPoints: 750, goalReferrals: 3 });
    const backwards = await callJson(
      "PATCH",
      `/v1/admin/campaigns/${campaign.id}`,
      { endsAt: new Date(Date.parse(campaign.startsAt) - DAY).toISOString() },
      { token: boss.accessToken },
    );
    expectError(backwards, 400, "validation_error");
    for (const body of [
      { name: "x" },
      {
        name: "x",
        startsAt: "soon",
        endsAt: "later",
        goalReferrals: 3,
        windowDays: 7,
        bonusPoints: 5,
      },
    ]) {
      expectError(
        await callJson("POST", "/v1/admin/campaigns", body, { token: boss.accessToken }),
        400,
        "validation_error",
      );
    }
    expectError(
      await callJson(
        "PATCH",
        "/v1/admin/campaigns/cmp_nope",
        { active: false },
        { token: boss.accessToken },
      ),
      404,
      "not_found",
    );
    const user = await registerUser();
    expectError(
      await callJson("GET", "/v1/admin/campaigns", undefined, { token: user.accessToken }),
      403,
      "forbidden",
    );
    await endCampaign(boss, campaign.id);
  });
});
