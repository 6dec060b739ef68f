import { describe, expect, it } from "vitest";
import { conversionRate, dailySeries, programAnalytics } from "../src/analytics/rules";
import { canonicalCouponCode } from "../src/coupons/rules";
import { clientIp, UNKNOWN_IP } from "../src/http/request";
import { maskRecipient, retryDelayMs } from "../src/invites/rules";
import { periodKey, rankRows } from "../src/leaderboard/rules";
import { isoWeekOf } from "../src/lib/time";
import { inviteIdOrNull, linkSource, referralClaim } from "../src/links/attribution";
import { isAutomatedVisit, redirectLocation } from "../src/links/rules";
import { badgeFor, nextMilestone } from "../src/program/rules";
import { referrerStats } from "../src/referrals/stats";
import { defaultRules } from "./fixtures";

const HUMAN =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile Safari/604.1";

describe("invite link visits", () => {
  it("counts people, not prefetchers, crawlers or link previews", () => {
    expect(isAutomatedVisit({ userAgent: HUMAN })).toBe(false);
    expect(isAutomatedVisit({ userAgent: HUMAN, purpose: "prefetch" })).toBe(true);
    expect(isAutomatedVisit({ userAgent: HUMAN, secPurpose: "prefetch;prerender" })).toBe(true);
    expect(isAutomatedVisit({ userAgent: HUMAN, xMoz: "prefetch" })).toBe(true);
    for (const bot of [
      "WhatsApp/2.23.20.0",
      "facebookexternalhit/1.1",
      "Twitterbot/1.0",
      "Slackbot-LinkExpanding 1.0",
      "TelegramBot (like TwitterBot)",
      "Mozilla/5.0 (compatible; Googlebot/2.1)",
      "curl/8.5.0",
      "",
    ]) {
      expect(isAutomatedVisit({ userAgent: bot }), bot).toBe(true);
    }
    expect(isAutomatedVisit({})).toBe(true);
  });

  it("redirects to the signup URL with the code and source", () => {
    expect(redirectLocation("https://app.test/signup", "K7QM2XRP", "sms")).toBe(
      "https://app.test/signup?ref=K7QM2XRP&src=sms",
    );
    expect(redirectLocation("https://app.test/signup?lang=ur", "K7QM2XRP", null)).toBe(
      "https://app.test/signup?lang=ur&ref=K7QM2XRP",
    );
    expect(redirectLocation("https://app.test/signup", null, "sms")).toBe(
      "https://app.test/signup",
    );
  });
});

describe("attribution", () => {
  it("keeps sources a small clean set", () => {
    expect(linkSource("WhatsApp")).toBe("whatsapp");
    expect(linkSource(undefined)).toBe("link");
    expect(linkSource("<script>")).toBe("link");
    expect(linkSource("x".repeat(33))).toBe("link");
    expect(inviteIdOrNull("inv_01m893f60gxn9ff1sh5n52nm")).toBe("inv_01m893f60gxn9ff1sh5n52nm");
    expect(inviteIdOrNull("inv_'; drop table")).toBeNull();
  });

  it("a typed code wins, keeping the link's source only when it is the link's code", () => {
    const cookies = { code: "k7qm2xrp", source: "sms", invite: "inv_01m893f60gxn9ff1sh5n52nm" };
    expect(referralClaim("K7QM2XRP", cookies)).toEqual({
      code: "K7QM2XRP",
      from: "body",
      source: "sms",
      inviteId: "inv_01m893f60gxn9ff1sh5n52nm",
    });
    expect(referralClaim("ZX8P4K2M", cookies)).toEqual({
      code: "ZX8P4K2M",
      from: "body",
      source: "direct",
      inviteId: null,
    });
    expect(referralClaim(undefined, cookies)).toMatchObject({
      code: "k7qm2xrp",
      from: "cookie",
      source: "sms",
    });
    expect(referralClaim(undefined, {})).toBeUndefined();
  });

  it("a page on another site passes the source with the code; the link's cookie wins", () => {
    expect(referralClaim("K7QM2XRP", {}, "whatsapp")).toMatchObject({ source: "whatsapp" });
    expect(referralClaim("K7QM2XRP", {})).toMatchObject({ source: "direct" });
    expect(
      referralClaim("K7QM2XRP", { code: "K7QM2XRP", source: "sms" }, "whatsapp"),
    ).toMatchObject({ source: "sms" });
    expect(referralClaim("K7QM2XRP", { code: "K7QM2XRP" }, "whatsapp")).toMatchObject({
      source: "whatsapp",
    });
    // Without a typed code the body's source has nothing to describe.
    expect(referralClaim(undefined, { code: "K7QM2XRP" }, "whatsapp")).toMatchObject({
      source: "link",
    });
  });

  it("coupon codes are found in any case, with or without dashes; nonsense is no code", () => {
    expect(canonicalCouponCode("k7qm2xrp9htbc4wd")).toBe("K7QM-2XRP-9HTB-C4WD");
    expect(canonicalCouponCode(" K7QM-2XRP-9HTB-C4WD ")).toBe("K7QM-2XRP-9HTB-C4WD");
    expect(canonicalCouponCode("K7QM-2XRP-9HTB-C4W0")).toBeNull();
    expect(canonicalCouponCode("K7QM-2XRP")).toBeNull();
    expect(canonicalCouponCode("'; drop table redemptions")).toBeNull();
  });
});

describe("leaderboard rules", () => {
  it("ranks ties together (1, 2, 2, 4)", () => {
    const ranked = rankRows([
      { referrals: 9 },
      { referrals: 5 },
      { referrals: 5 },
      { referrals: 1 },
    ]);
    expect(ranked.map((r) => r.rank)).toEqual([1, 2, 2, 4]);
  });

  it("keys periods by ISO week and month", () => {
    expect(isoWeekOf(Date.UTC(2026, 10, 25))).toBe("2026-W48");
    expect(isoWeekOf(Date.UTC(2027, 0, 1))).toBe("2026-W53");
    expect(isoWeekOf(Date.UTC(2024, 11, 30))).toBe("2025-W01");
    expect(periodKey("week", Date.UTC(2026, 10, 25))).toBe("w:2026-W48");
    expect(periodKey("month", Date.UTC(2026, 10, 25))).toBe("m:2026-11");
    expect(periodKey("all", Date.UTC(2026, 10, 25))).toBe("all");
  });
});

describe("invite rules", () => {
  it("backs off exponentially, then gives up", () => {
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000, 960_000]);
    expect(retryDelayMs(6)).toBeNull();
  });

  it("masks recipients", () => {
    expect(maskRecipient("sms", "+923001234567")).toBe("+92******4567");
    expect(maskRecipient("email", "ayesha@example.com")).toBe("a*****@example.com");
    expect(maskRecipient("email", "a@example.com")).toBe("a*@example.com");
  });
});

describe("stats rules", () => {
  const rules = defaultRules;

  it("badges at 5, 20 and 50; milestones at 5 and 20", () => {
    expect([0, 4, 5, 19, 20, 49, 50].map((n) => badgeFor(n, rules.badges))).toEqual([
      null,
      null,
      "Bronze",
      "Bronze",
      "Silver",
      "Silver",
      "Gold",
    ]);
    expect(nextMilestone(0, rules.milestones)).toEqual({ referrals: 5, reward: "free_theme" });
    expect(nextMilestone(5, rules.milestones)).toEqual({
      referrals: 20,
      reward: "premium_1_month",
    });
    expect(nextMilestone(20, rules.milestones)).toBeNull();
  });

  it("computes a referrer's numbers from counters", () => {
    const stats = referrerStats(
      { total: 8, qualified: 6, pointsEarned: 450, places: 6 },
      [
        { source: "whatsapp", clicks: 10, signups: 4 },
        { source: "sms", clicks: 5, signups: 2 },
      ],
      rules,
    );
    expect(stats).toEqual({
      clicks: 15,
      signups: 8,
      qualified: 6,
      conversionRate: 0.75,
      pointsEarned: 450,
      bySource: { whatsapp: { clicks: 10, signups: 4 }, sms: { clicks: 5, signups: 2 } },
      tier: { current: 2, nextAt: 11 },
      badge: "Bronze",
      nextMilestone: { referrals: 20, reward: "premium_1_month" },
    });
  });

  it("a referrer's tier follows qualified places, not signups", () => {
    const counters = { total: 12, qualified: 2, pointsEarned: 100 };
    // Twelve signups, two qualified and one more qualified and since reversed: 3 places.
    expect(referrerStats({ ...counters, places: 3 }, [], rules).tier).toEqual({
      current: 2,
      nextAt: 11,
    });
    expect(referrerStats({ ...counters, places: 2 }, [], rules).tier).toEqual({
      current: 1,
      nextAt: 4,
    });
  });

  it("the conversion rate is qualified ÷ referred signups, a fraction in [0, 1]", () => {
    expect(conversionRate(3, 4)).toBe(0.75);
    expect(conversionRate(11, 11)).toBe(1);
    expect(conversionRate(2, 3)).toBe(0.6667);
    expect(conversionRate(0, 5)).toBe(0);
    // None referred: 0, not a division by zero.
    expect(conversionRate(0, 0)).toBe(0);
    expect(conversionRate(3, 0)).toBe(0);
    // Over a range, referrals that signed up before it may qualify in it: at most 1.
    expect(conversionRate(7, 1)).toBe(1);
  });
});

describe("analytics rules", () => {
  it("fills the daily series with zeros and totals by source", () => {
    const days = [
      { day: "2026-11-02", clicks: 4, signups: 3, referredSignups: 2, qualified: 2 },
      { day: "2026-11-04", clicks: 6, signups: 1, referredSignups: 1, qualified: 0 },
    ];
    const sources = [
      { day: "2026-11-02", source: "sms", clicks: 4, signups: 2 },
      { day: "2026-11-04", source: "sms", clicks: 1, signups: 0 },
      { day: "2026-11-04", source: "link", clicks: 5, signups: 1 },
    ];
    expect(dailySeries("2026-11-01", "2026-11-03", days).map((d) => d.date)).toEqual([
      "2026-11-01",
      "2026-11-02",
      "2026-11-03",
    ]);
    const result = programAnalytics({ from: "2026-11-01", to: "2026-11-05" }, days, sources);
    expect(result).toMatchObject({
      clicks: 10,
      signups: 4,
      referredSignups: 3,
      qualified: 2,
      conversionRate: 0.6667,
      bySource: { sms: { clicks: 5, signups: 2 }, link: { clicks: 5, signups: 1 } },
    });
    expect(result.daily).toHaveLength(5);
    expect(result.daily[1]).toEqual({ date: "2026-11-02", clicks: 4, signups: 3, qualified: 2 });
  });
});

describe("client addresses", () => {
  it("treats loopback (local development) as unknown, and keeps real addresses", () => {
    for (const local of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "", undefined]) {
      expect(clientIp(local)).toBe(UNKNOWN_IP);
    }
    expect(clientIp(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(clientIp("2001:db8::1")).toBe("2001:db8::1");
  });
});
