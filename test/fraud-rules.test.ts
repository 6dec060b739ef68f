import { describe, expect, it } from "vitest";
import {
  blocklistVerdict,
  canonicalBlocklistValue,
  compileBlocklist,
  matchBlocklist,
} from "../src/fraud/blocklist-rules";
import { formatIpRange, parseIp, parseIpRange } from "../src/lib/ip";
import { budgetHold, holdsOf } from "../src/program/holds";
import { planReferralSignup } from "../src/program/rules";
import { defaultRules } from "./fixtures";

const clean = { sameDevice: false, sameIp: false, rewardedToday: 0, rewardedThisMonth: 0 };
const noCampaigns = { running: [], earned: new Set<string>(), recentQualifiedAt: [] };

describe("IP addresses and ranges", () => {
  it("reads IPv4, IPv6 and IPv4-mapped addresses and ranges in one spelling", () => {
    expect(parseIp("::ffff:203.0.113.7")).toEqual(parseIp("203.0.113.7"));
    expect(formatIpRange(parseIpRange("2001:DB8:0:0::/32") as never)).toBe("2001:db8::/32");
    expect(formatIpRange(parseIpRange("::ffff:10.0.0.0/104") as never)).toBe("10.0.0.0/8");
    expect(parseIpRange("10.0.0.1/24")).toBeNull();
    expect(parseIpRange("10.0.0.0/33")).toBeNull();
    expect(parseIpRange("2001:db8::/129")).toBeNull();
    expect(parseIpRange("10.0.0.0/8/8")).toBeNull();
  });
});

describe("block list rules", () => {
  it("stores each value in one spelling and refuses values that would block everyone", () => {
    expect(canonicalBlocklistValue("phone_prefix", "+92 (300)")).toEqual({ value: "+92300" });
    expect(canonicalBlocklistValue("country", " pk ")).toEqual({ value: "PK" });
    expect(canonicalBlocklistValue("ip", "203.0.113.5")).toEqual({ value: "203.0.113.5" });
    for (const [type, value] of [
      ["phone_prefix", "+"],
      ["ip", "0.0.0.0/0"],
      ["ip", "::/0"],
      ["country", "XX"],
      ["device", "a\u0000b"],
    ] as const) {
      expect(canonicalBlocklistValue(type, value)).toHaveProperty("error");
    }
  });

  it("matches prefixes, countries on either side, ranges of any length and devices", () => {
    const compiled = compileBlocklist([
      { id: "a", type: "phone_prefix", value: "+92300", action: "hold" },
      { id: "b", type: "country", value: "IN", action: "refuse" },
      { id: "c", type: "ip", value: "2001:db8::/32", action: "hold" },
      { id: "d", type: "device", value: "dev-1", action: "hold" },
      ...Array.from({ length: 1000 }, (_, i) => ({
        id: `n${i}`,
        type: "ip" as const,
        value: `10.${i >> 8}.${i & 255}.0/24`,
        action: "hold" as const,
      })),
    ]);
    const ids = (subject: Parameters<typeof matchBlocklist>[1]) =>
      matchBlocklist(compiled, subject).map((match) => match.entryId);
    expect(ids({ phone: "+923001234567", phoneCountry: "PK" })).toEqual(["a"]);
    expect(ids({ phone: "+923011234567", phoneCountry: "PK", requestCountry: "IN" })).toEqual([
      "b",
    ]);
    expect(ids({ ip: "2001:db8:1::1" })).toEqual(["c"]);
    expect(ids({ ip: "10.3.231.9" })).toEqual(["n999"]);
    expect(ids({ ip: "10.4.0.1", deviceId: "dev-1" })).toEqual(["d"]);
    const refused = blocklistVerdict(matchBlocklist(compiled, { requestCountry: "IN" }));
    expect(refused.refused?.entryId).toBe("b");
  });
});

describe("fraud holds and budgets", () => {
  it("holds by phone type and country mismatch only when the program asks", () => {
    const signals = { ...clean, phoneType: "VOIP", phoneCountry: "GB", requestCountry: "PK" };
    expect(holdsOf(signals, defaultRules)).toEqual([]);
    expect(
      holdsOf(signals, { ...defaultRules, holdPhoneTypes: ["VOIP"], holdOnCountryMismatch: true }),
    ).toEqual([
      { code: "phone_type", detail: { phoneType: "VOIP" } },
      { code: "country_mismatch", detail: { phoneCountry: "GB", requestCountry: "PK" } },
    ]);
    expect(
      holdsOf(
        { ...signals, requestCountry: null },
        { ...defaultRules, holdOnCountryMismatch: true },
      ),
    ).toEqual([]);
  });

  it("a payment that would pass the daily or monthly budget is held with what it would have passed", () => {
    const rules = { ...defaultRules, budget: { pointsPerDay: 100, pointsPerMonth: 1000 } };
    expect(budgetHold(rules, { day: 30, month: 900 }, 70)).toBeNull();
    expect(budgetHold(rules, { day: 31, month: 900 }, 70)).toEqual({
      code: "budget_exhausted",
      detail: { period: "day", budget: 100, used: 31, points: 70 },
    });
    expect(budgetHold(rules, { day: 0, month: 990 }, 70)?.detail?.period).toBe("month");
    const plan = planReferralSignup(
      {
        total: 0,
        lastQualifiedOrdinal: 0,
        waiting: 0,
        campaigns: noCampaigns,
        signals: clean,
        budgetUsed: { day: 60, month: 60 },
      },
      { version: 1, rules },
      Date.UTC(2026, 0, 1),
    );
    expect(plan).toMatchObject({
      status: "held",
      reasons: ["budget_exhausted"],
      qualification: null,
    });
  });
});
