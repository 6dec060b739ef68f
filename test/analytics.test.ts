import { describe, expect, it } from "vitest";
import {
  adminUser,
  api,
  callAndSettle,
  callJson,
  eventually,
  expectError,
  expectStatus,
  registerUser,
  uniquePhone,
} from "./harness";

const BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15";

describe("GET /v1/admin/analytics", () => {
  it("gives admins the funnel by source and by day, and the top referrers", async () => {
    const admin = await adminUser();
    const referrer = await registerUser({ name: "Top Referrer" });
    for (let i = 0; i < 3; i++) {
      await callAndSettle("GET", `/r/${referrer.referralCode}?src=whatsapp`, {
        headers: { "User-Agent": BROWSER },
      });
    }
    await callAndSettle("GET", `/r/${referrer.referralCode}`, {
      headers: { "User-Agent": BROWSER },
    });
    await callJson(
      "POST",
      "/v1/auth/register",
      { name: "From Whatsapp", phone: uniquePhone(), password: "correct horse battery" },
      { headers: { Cookie: `ref=${referrer.referralCode}; ref_src=whatsapp` } },
    );
    await registerUser({ referralCode: referrer.referralCode });

    const today = new Date().toISOString().slice(0, 10);
    // Clicks come through the queue: analytics are eventually consistent (~1–2 s).
    const analytics = await eventually(
      () =>
        api.GET("/v1/admin/analytics", {
          query: { from: today, to: today },
          token: admin.accessToken,
        }),
      (response) => response.status === 200 && response.body.clicks >= 4,
    );
    expectStatus(analytics, 200);
    const { body } = analytics;
    // Counters are program-wide; this file's other signups count too, so compare what this test added.
    expect(body).toMatchObject({
      from: today,
      to: today,
      clicks: 4,
      referredSignups: 2,
      qualified: 2,
      // Qualified ÷ referred signups (not per click).
      conversionRate: 1,
      bySource: {
        whatsapp: { clicks: 3, signups: 1 },
        link: { clicks: 1, signups: 0 },
        direct: { clicks: 0, signups: 1 },
      },
    });
    expect(body.signups).toBe(4);
    expect(body.daily).toEqual([{ date: today, clicks: 4, signups: 4, qualified: 2 }]);
    expect(body.topReferrers[0]).toEqual({
      userId: referrer.id,
      name: "Top Referrer",
      referrals: 2,
    });
  });

  it("defaults to the last 30 days and refuses a bad range", async () => {
    const { accessToken: token } = await adminUser();
    const analytics = await api.GET("/v1/admin/analytics", { token });
    expectStatus(analytics, 200);
    expect(analytics.body.daily).toHaveLength(30);
    for (const query of [
      "?from=2026-02-30",
      "?from=2026-11-10&to=2026-11-01",
      "?from=2020-01-01&to=2026-01-01",
    ]) {
      expectError(
        await callJson("GET", `/v1/admin/analytics${query}`, undefined, { token }),
        400,
        "validation_error",
      );
    }
  });

  it("is for admins only", async () => {
    const user = await registerUser();
    expectError(
      await callJson("GET", "/v1/admin/analytics", undefined, { token: user.accessToken }),
      403,
      "forbidden",
    );
    expectError(await callJson("GET", "/v1/admin/analytics"), 401, "unauthorized");
  });
});
