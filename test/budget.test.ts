import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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

/** Points paid today so far, by the budget's own counter. */
async function paidToday(): Promise<number> {
  const day = new Date().toISOString().slice(0, 10);
  const row = await env.DB.prepare("select points from points_budget_usage where period = ?")
    .bind(`d:${day}`)
    .first<{ points: number }>();
  return row?.points ?? 0;
}

async function referralOf(refereeId: string) {
  const row = await env.DB.prepare(
    "select id, status, reasons, reason_details from referrals where referee_id = ?",
  )
    .bind(refereeId)
    .first<{ id: string; status: string; reasons: string | null; reason_details: string | null }>();
  return {
    id: row?.id ?? "",
    status: row?.status,
    reasons: JSON.parse(row?.reasons ?? "null"),
    details: JSON.parse(row?.reason_details ?? "null"),
  };
}

/** Referral points (both sides) credited for these referees' referrals. */
async function referralPointsOf(refereeIds: string[]): Promise<number> {
  const marks = refereeIds.map(() => "?").join(",");
  const row = await env.DB.prepare(
    `select coalesce(sum(points), 0) as n from ledger_entries where points > 0 and referral_id in
      (select id from referrals where referee_id in (${marks}))`,
  )
    .bind(...refereeIds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** 20 points a referral: 10 for each side, whatever the tier. */
const flatTwenty = {
  refereeBonus: 10,
  referrerTiers: [{ fromReferral: 1, points: 10 }],
  milestones: [],
  caps: { perDay: null, perMonth: null },
};

describe("points budgets", () => {
  it("a budget of 100 and 20 parallel referred signups pay exactly 100, the rest held budget_exhausted", async () => {
    const referrers: TestUser[] = [];
    for (let i = 0; i < 20; i++) referrers.push(await registerUser());
    const budget = (await paidToday()) + 100;
    await withProgramChange({ ...flatTwenty, budget: { pointsPerDay: budget } }, async () => {
      const signups = await Promise.all(
        referrers.map((referrer, i) =>
          callJson("POST", "/v1/auth/register", {
            name: `Racing Friend ${i}`,
            phone: uniquePhone(),
            password: "correct horse battery",
            referralCode: referrer.referralCode,
          }),
        ),
      );
      expect(signups.map((s) => s.status)).toEqual(Array(20).fill(201));
      const ids = signups.map((s) => s.body.user.id);
      expect(await referralPointsOf(ids)).toBe(100);
      expect(await paidToday()).toBe(budget);
      const referrals = await Promise.all(ids.map(referralOf));
      expect(referrals.filter((r) => r.status === "qualified")).toHaveLength(5);
      const held = referrals.filter((r) => r.status === "held");
      expect(held).toHaveLength(15);
      for (const referral of held) {
        expect(referral.reasons).toEqual(["budget_exhausted"]);
        expect(referral.details).toEqual([
          {
            code: "budget_exhausted",
            detail: { period: "day", budget, used: budget, points: 20 },
          },
        ]);
      }

      // Approving pays, past the budget.
      const admin = await adminUser();
      const someone = held[0]?.id ?? "";
      const approved = await callJson("POST", `/v1/admin/referrals/${someone}/approve`, undefined, {
        token: admin.accessToken,
      });
      expect(approved.body).toEqual({ referral: { id: someone, status: "qualified" } });
      expect(await referralPointsOf(ids)).toBe(120);
      expect(await paidToday()).toBe(budget);
    });
  });

  it("a referral whose purchase comes past the monthly budget is held, and approving pays both sides", async () => {
    const referrer = await registerUser();
    await withProgramChange(
      { ...flatTwenty, qualification: "purchase", budget: { pointsPerMonth: 1 } },
      async () => {
        const referee = await registerUser({ referralCode: referrer.referralCode });
        expect((await referralOf(referee.id)).status).toBe("pending");
        const event = await callJson(
          "POST",
          "/v1/events",
          { type: "purchase", userId: referee.id, externalId: `order-${crypto.randomUUID()}` },
          { headers: { Authorization: `Bearer ${env.EVENTS_API_KEY}` } },
        );
        expect(event.status).toBe(202);
        expect(event.body.qualified).toEqual([]);
        const referral = await referralOf(referee.id);
        expect(referral).toMatchObject({ status: "held", reasons: ["budget_exhausted"] });
        expect(referral.details[0].detail).toMatchObject({
          period: "month",
          budget: 1,
          points: 20,
        });
        expect(await walletBalance(referrer.accessToken)).toBe(0);

        const admin = await adminUser();
        const approved = await callJson(
          "POST",
          `/v1/admin/referrals/${referral.id}/approve`,
          undefined,
          { token: admin.accessToken },
        );
        expect(approved.body.referral.status).toBe("qualified");
        expect(await walletBalance(referrer.accessToken)).toBe(10);
        expect(await walletBalance(referee.accessToken)).toBe(10);
      },
    );
  });

  it("a budget that is not a positive whole number is a 400 and publishes nothing", async () => {
    const admin = await adminUser();
    const current = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    for (const budget of [{ pointsPerDay: 0 }, { pointsPerMonth: 1.5 }, { pointsPerDay: "100" }]) {
      const response = await callJson(
        "PUT",
        "/v1/admin/program",
        { rules: { ...current.body.rules, budget } },
        { token: admin.accessToken },
      );
      expectError(response, 400, "validation_error");
    }
    const after = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    expect(after.body.version).toBe(current.body.version);
  });
});

describe("phone types and countries", () => {
  /** A UK VoIP number (+44 56), valid and able to take an SMS. */
  const voipPhone = () => `+4456${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;

  async function referredSignup(referralCode: string, phone: string, country?: string) {
    const response = await callJson(
      "POST",
      "/v1/auth/register",
      { name: "Farm Person", phone, password: "correct horse battery", referralCode },
      country ? { country } : {},
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return referralOf(response.body.user.id);
  }

  it("holdPhoneTypes holds a referee whose phone has such a type (phone_type), and no other", async () => {
    const referrer = await registerUser();
    await withProgramChange({ holdPhoneTypes: ["VOIP", "FIXED_LINE"] }, async () => {
      expect(await referredSignup(referrer.referralCode, voipPhone())).toMatchObject({
        status: "held",
        reasons: ["phone_type"],
        details: [{ code: "phone_type", detail: { phoneType: "VOIP" } }],
      });
      expect(await referredSignup(referrer.referralCode, uniquePhone())).toMatchObject({
        status: "qualified",
      });
    });
    // Off by default: the same kind of phone qualifies.
    expect(await referredSignup(referrer.referralCode, voipPhone())).toMatchObject({
      status: "qualified",
    });
  });

  it("holdOnCountryMismatch holds a phone from another country than the request; no country, no hold", async () => {
    const referrer = await registerUser();
    await withProgramChange({ holdOnCountryMismatch: true }, async () => {
      expect(await referredSignup(referrer.referralCode, uniquePhone(), "IN")).toMatchObject({
        status: "held",
        reasons: ["country_mismatch"],
        details: [
          { code: "country_mismatch", detail: { phoneCountry: "PK", requestCountry: "IN" } },
        ],
      });
      expect(await referredSignup(referrer.referralCode, uniquePhone(), "PK")).toMatchObject({
        status: "qualified",
      });
      expect(await referredSignup(referrer.referralCode, uniquePhone())).toMatchObject({
        status: "qualified",
      });
    });
  });

  it("an unknown phone type is a 400", async () => {
    const admin = await adminUser();
    const current = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    for (const change of [
      { holdPhoneTypes: ["SATELLITE"] },
      { holdPhoneTypes: ["VOIP", "VOIP"] },
      { holdOnCountryMismatch: "yes" },
    ]) {
      expectError(
        await callJson(
          "PUT",
          "/v1/admin/program",
          { rules: { ...current.body.rules, ...change } },
          { token: admin.accessToken },
        ),
        400,
        "validation_error",
      );
    }
  });
});
