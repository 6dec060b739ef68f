import { describe, expect, it } from "vitest";
import { violatedConstraint } from "../src/db/client";
import { cursorPosition, encodeCursor, toPage } from "../src/http/pagination";
import {
  CODE_ALPHABET,
  canonicalReferralCode,
  isWellFormedReferralCode,
  newCouponCode,
  newId,
  newReferralCode,
} from "../src/lib/ids";
import { maskName } from "../src/lib/names";
import { checkNewPhone, lookupPhone, normalizePhone, smsRefusal } from "../src/lib/phone";
import { DAY_MS } from "../src/lib/time";
import { requestFingerprint } from "../src/platform/idempotency";
import { holdReasons } from "../src/program/holds";
import {
  acceptsEventType,
  codeExpiresAt,
  milestonesReached,
  planQualification,
  planReferralSignup,
  pointsExpireAt,
  referrerPointsFor,
  tierStanding,
  withinHoldPeriod,
} from "../src/program/rules";
import { ProgramRulesSchema } from "../src/program/schemas";
import { defaultRules } from "./fixtures";

const noCampaigns = { running: [], earned: new Set<string>(), recentQualifiedAt: [] };
const clean = { sameDevice: false, sameIp: false, rewardedToday: 0, rewardedThisMonth: 0 };

describe("reward tiers", () => {
  it("pays 50 for referrals 1–3, 100 for 4–10 and 150 from 11 on", () => {
    const points = Array.from({ length: 13 }, (_, i) =>
      referrerPointsFor(i + 1, defaultRules.referrerTiers),
    );
    expect(points).toEqual([50, 50, 50, 100, 100, 100, 100, 100, 100, 100, 150, 150, 150]);
  });

  it("ten referrals earn exactly 3×50 + 7×100", () => {
    const total = Array.from({ length: 10 }, (_, i) =>
      referrerPointsFor(i + 1, defaultRules.referrerTiers),
    ).reduce((a, b) => a + b, 0);
    expect(total).toBe(850);
  });

  it("tells where a referrer stands and where the next tier starts", () => {
    expect(tierStanding(0, defaultRules.referrerTiers)).toEqual({ current: 1, nextAt: 4 });
    expect(tierStanding(2, defaultRules.referrerTiers)).toEqual({ current: 1, nextAt: 4 });
    expect(tierStanding(3, defaultRules.referrerTiers)).toEqual({ current: 2, nextAt: 11 });
    expect(tierStanding(10, defaultRules.referrerTiers)).toEqual({ current: 3, nextAt: null });
  });

  it("plans a signup: the next ordinal, both sides' points and their expiry", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(
      planReferralSignup(
        { total: 3, lastQualifiedOrdinal: 3, waiting: 0, campaigns: noCampaigns, signals: clean },
        { version: 1, rules: defaultRules },
        now,
      ),
    ).toEqual({
      ordinal: 4,
      status: "qualified",
      reasons: [],
      holds: [],
      referrerPoints: 100,
      refereePoints: 20,
      pointsExpireAt: now + 365 * DAY_MS,
      qualification: { qualifiedOrdinal: 4, referrerPoints: 100, milestones: [], campaigns: [] },
    });
  });

  it("pays a signup that qualifies by its qualified place, not its signup ordinal", () => {
    // Five signups before it, three of them still waiting: it is the 6th signup but only
    // the 3rd referral to qualify, so it pays the first tier.
    const plan = planReferralSignup(
      { total: 5, lastQualifiedOrdinal: 2, waiting: 3, campaigns: noCampaigns, signals: clean },
      { version: 1, rules: defaultRules },
      0,
    );
    expect(plan).toMatchObject({
      ordinal: 6,
      referrerPoints: 50,
      qualification: { qualifiedOrdinal: 3, referrerPoints: 50 },
    });
  });

  it("shows a waiting signup what it pays if the referrals waiting ahead of it qualify first", () => {
    const program = { version: 1, rules: { ...defaultRules, qualification: "purchase" } };
    const waitingBehind = (waiting: number) =>
      planReferralSignup(
        {
          total: 1 + waiting,
          lastQualifiedOrdinal: 1,
          waiting,
          campaigns: noCampaigns,
          signals: clean,
        },
        program,
        0,
      ).referrerPoints;
    expect([0, 1, 2, 3, 9].map(waitingBehind)).toEqual([50, 50, 100, 100, 150]);
  });

  it("waits for the qualifying event when the program says so", () => {
    const program = { version: 1, rules: { ...defaultRules, qualification: "purchase" } };
    const plan = planReferralSignup(
      { total: 0, lastQualifiedOrdinal: 0, waiting: 0, campaigns: noCampaigns, signals: clean },
      program,
      0,
    );
    expect(plan).toMatchObject({
      status: "pending",
      qualification: null,
      referrerPoints: 50,
      refereePoints: 20,
    });
  });

  it("reaches a milestone exactly once, on the referral that crosses it", () => {
    expect(
      planQualification({ lastQualifiedOrdinal: 4, campaigns: noCampaigns }, defaultRules, 0)
        .milestones,
    ).toEqual([{ referrals: 5, unlock: "free_theme", bonusPoints: 0 }]);
    expect(
      planQualification({ lastQualifiedOrdinal: 5, campaigns: noCampaigns }, defaultRules, 0),
    ).toEqual({ qualifiedOrdinal: 6, referrerPoints: 100, milestones: [], campaigns: [] });
    expect(milestonesReached(0, 25, defaultRules.milestones).map((m) => m.unlock)).toEqual([
      "free_theme",
      "premium_1_month",
    ]);
  });

  it("counts an erased referrer's position but pays them nothing: no reward, milestone or bonus", () => {
    expect(
      planQualification(
        { lastQualifiedOrdinal: 4, campaigns: noCampaigns, erased: true },
        defaultRules,
        0,
      ),
    ).toEqual({ qualifiedOrdinal: 5, referrerPoints: 0, milestones: [], campaigns: [] });
  });

  it("takes the position after the highest claimed, not after the live count", () => {
    // Five positions claimed, one of them since reversed: the next one is the sixth, paid
    // the sixth place's tier, and the milestone at five (paid to the fifth) is not reached
    // again.
    expect(
      planQualification({ lastQualifiedOrdinal: 5, campaigns: noCampaigns }, defaultRules, 0),
    ).toEqual({ qualifiedOrdinal: 6, referrerPoints: 100, milestones: [], campaigns: [] });
    expect(
      planQualification({ lastQualifiedOrdinal: 2, campaigns: noCampaigns }, defaultRules, 0)
        .referrerPoints,
    ).toBe(50);
  });
});

describe("fraud decisions", () => {
  it("holds a referee on the referrer's device or network", () => {
    expect(holdReasons({ ...clean, sameDevice: true }, defaultRules)).toEqual(["same_device"]);
    expect(holdReasons({ ...clean, sameIp: true, sameDevice: true }, defaultRules)).toEqual([
      "same_device",
      "same_ip",
    ]);
    expect(holdReasons(clean, defaultRules)).toEqual([]);
  });

  it("holds past the velocity caps, and not before", () => {
    expect(holdReasons({ ...clean, rewardedToday: 24 }, defaultRules)).toEqual([]);
    expect(holdReasons({ ...clean, rewardedToday: 25 }, defaultRules)).toEqual(["daily_cap"]);
    expect(holdReasons({ ...clean, rewardedThisMonth: 200 }, defaultRules)).toEqual([
      "monthly_cap",
    ]);
    const uncapped = { ...defaultRules, caps: { perDay: null, perMonth: null } };
    expect(
      holdReasons({ ...clean, rewardedToday: 10_000, rewardedThisMonth: 10_000 }, uncapped),
    ).toEqual([]);
  });

  it("a held signup pays nothing and waits for review", () => {
    const plan = planReferralSignup(
      {
        total: 0,
        lastQualifiedOrdinal: 0,
        waiting: 0,
        campaigns: noCampaigns,
        signals: { ...clean, sameIp: true },
      },
      { version: 1, rules: defaultRules },
      0,
    );
    expect(plan).toMatchObject({ status: "held", reasons: ["same_ip"], qualification: null });
  });

  it("a refund reverses only within the hold period", () => {
    expect(withinHoldPeriod(0, 14 * DAY_MS, defaultRules)).toBe(true);
    expect(withinHoldPeriod(0, 14 * DAY_MS + 1, defaultRules)).toBe(false);
  });
});

describe("program rules schema", () => {
  it("accepts the default program", () => {
    expect(ProgramRulesSchema.parse(defaultRules)).toEqual(defaultRules);
  });

  it("gives old program versions today's defaults for rules they lack", () => {
    const { holdDays: _hold, eventTypes: _types, caps: _caps, ...old } = defaultRules;
    expect(ProgramRulesSchema.parse(old)).toMatchObject({
      holdDays: 14,
      eventTypes: ["purchase"],
      caps: { perDay: null, perMonth: null },
    });
  });

  it("accepts refund, the listed event types and the qualification type; nothing else", () => {
    const rules = ProgramRulesSchema.parse({
      ...defaultRules,
      qualification: "first_order",
      eventTypes: ["purchase", "subscription"],
    });
    for (const type of ["refund", "purchase", "subscription", "first_order"]) {
      expect(acceptsEventType(rules, type)).toBe(true);
    }
    expect(acceptsEventType(rules, "purchse")).toBe(false);
    expect(acceptsEventType(defaultRules, "subscription")).toBe(false);
    expect(acceptsEventType(defaultRules, "signup")).toBe(false);
    expect(ProgramRulesSchema.safeParse({ ...defaultRules, eventTypes: ["refund"] }).success).toBe(
      false,
    );
  });

  it("refuses tiers that do not start at referral 1", () => {
    const rules = { ...defaultRules, referrerTiers: [{ fromReferral: 2, points: 50 }] };
    expect(ProgramRulesSchema.safeParse(rules).success).toBe(false);
  });

  it("refuses tiers out of order and negative points", () => {
    const unordered = [
      { fromReferral: 1, points: 50 },
      { fromReferral: 11, points: 150 },
      { fromReferral: 4, points: 100 },
    ];
    expect(
      ProgramRulesSchema.safeParse({ ...defaultRules, referrerTiers: unordered }).success,
    ).toBe(false);
    const negative = { ...defaultRules, refereeBonus: -1 };
    expect(ProgramRulesSchema.safeParse(negative).success).toBe(false);
  });
});

describe("expiry", () => {
  it("points expire after the program's days; never when it says null", () => {
    expect(pointsExpireAt(1000, defaultRules)).toBe(1000 + 365 * DAY_MS);
    expect(pointsExpireAt(1000, { ...defaultRules, pointsExpiryDays: null })).toBeNull();
  });

  it("codes do not expire by default, and do after codeExpiryDays when set", () => {
    expect(codeExpiresAt(1000, defaultRules)).toBeNull();
    expect(codeExpiresAt(1000, { ...defaultRules, codeExpiryDays: 30 })).toBe(1000 + 30 * DAY_MS);
  });
});

describe("names", () => {
  it("masks to first name and last initial", () => {
    expect(maskName("Ayesha Khan")).toBe("Ayesha K.");
    expect(maskName("  muhammad  ali   jinnah ")).toBe("muhammad J.");
    expect(maskName("Cher")).toBe("C.");
    expect(maskName("Zoë Ørsted")).toBe("Zoë Ø.");
  });
});

describe("ids and codes", () => {
  it("prefixes ids and sorts them by creation time", () => {
    const earlier = newId("usr", Date.UTC(2026, 0, 1));
    const later = newId("usr", Date.UTC(2026, 0, 2));
    expect(earlier).toMatch(/^usr_[0-9a-z]{24}$/);
    expect(earlier < later).toBe(true);
  });

  it("makes 8-character referral codes without look-alikes", () => {
    for (let i = 0; i < 200; i++) {
      const code = newReferralCode();
      expect(code).toHaveLength(8);
      expect([...code].every((c) => CODE_ALPHABET.includes(c))).toBe(true);
    }
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it("matches codes case-insensitively and refuses malformed ones", () => {
    expect(canonicalReferralCode(" k7qm2xrp ")).toBe("K7QM2XRP");
    expect(isWellFormedReferralCode("K7QM2XRP")).toBe(true);
    expect(isWellFormedReferralCode("K7QM0XRP")).toBe(false);
    expect(isWellFormedReferralCode("K7Q")).toBe(false);
  });

  it("makes coupon codes of four groups of four", () => {
    const codes = new Set(Array.from({ length: 500 }, newCouponCode));
    expect(codes.size).toBe(500);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
  });
});

describe("phones", () => {
  it("normalizes spellings of one number to one E.164 string", () => {
    const spellings = [
      "+923001234567",
      "+92 300 1234567",
      "+92-300-123-4567",
      "+92 (300) 123-4567",
    ];
    expect(new Set(spellings.map((s) => normalizePhone(s)))).toEqual(new Set(["+923001234567"]));
  });

  it("reads national spellings only with a default country", () => {
    expect(normalizePhone("0300 1234567")).toBeNull();
    expect(normalizePhone("0300 1234567", "PK")).toBe("+923001234567");
  });

  it("refuses what is not a phone number", () => {
    for (const input of ["", "hello", "+1", "+92300", "+9230012345678901"]) {
      expect(normalizePhone(input)).toBeNull();
      expect(checkNewPhone(input)).toEqual({ status: "invalid" });
    }
  });

  it("refuses new phones that cannot take an SMS or cost premium rates, saying why", () => {
    const refused = {
      "+1 900 555 1234": ["+19005551234", "a premium-rate number"],
      "+44 909 879 0123": ["+449098790123", "a premium-rate number"],
      "0900 1 234567|DE": ["+499001234567", "a premium-rate number"],
      "0899 12 34 56|FR": ["+33899123456", "a premium-rate number"],
      "+49 180 1234 5678": ["+4918012345678", "a shared-cost number"],
      "+44 300 123 4567": ["+443001234567", "a universal access number"],
      "+44 7640 123456": ["+447640123456", "a pager number"],
      "+41 86 012 345 6789": ["+41860123456789", "a voicemail access number"],
      "+870 772 345 678": ["+870772345678", "a satellite phone number"], // Inmarsat
      "+881 631 234 5678": ["+8816312345678", "a satellite phone number"], // Iridium
      "+882 16 123 4567": ["+882161234567", "a satellite phone number"], // Thuraya
    };
    for (const [input, [phone, refusal]] of Object.entries(refused)) {
      const [number = "", country] = input.split("|");
      expect(checkNewPhone(number, country), input).toEqual({ status: "no_sms", phone, refusal });
      expect(smsRefusal(phone as string), input).toBe(refusal);
    }
  });

  it("accepts mobiles, and fixed lines such as Munich's 089 (a city, not a premium prefix)", () => {
    const accepted = {
      "+92 300 1234567": "+923001234567",
      "+91 98765 43210": "+919876543210",
      "+49 151 23456789": "+4915123456789",
      "+1 202 555 0123": "+12025550123",
      "089 1234567|DE": "+49891234567",
    };
    for (const [input, phone] of Object.entries(accepted)) {
      const [number = "", country] = input.split("|");
      expect(checkNewPhone(number, country), input).toEqual({ status: "ok", phone });
      expect(smsRefusal(phone), input).toBeNull();
    }
  });

  it("looks phones up by possible length, so that no stored phone becomes unfindable", () => {
    // A German 0900 number one digit too long: not valid for the full metadata, but of a
    // possible length (and valid for the smaller metadata used before).
    expect(normalizePhone("+4990012345678")).toBeNull();
    expect(lookupPhone("+49 900 1234 5678")).toBe("+4990012345678");
    expect(lookupPhone("0300 1234567", "PK")).toBe("+923001234567");
    expect(lookupPhone("+92300")).toBeNull();
  });
});

describe("pagination", () => {
  it("round-trips a cursor and refuses a foreign one", () => {
    expect(cursorPosition(encodeCursor(42), "number")).toBe(42);
    expect(cursorPosition(encodeCursor("rdm_x"), "string")).toBe("rdm_x");
    expect(cursorPosition(undefined, "number")).toBeUndefined();
    expect(() => cursorPosition("not-a-cursor", "number")).toThrow(/cursor/);
    expect(() => cursorPosition(encodeCursor("a"), "number")).toThrow(/cursor/);
  });

  it("trims the look-ahead row into a cursor", () => {
    expect(toPage([1, 2, 3], 2, (n) => n)).toEqual({ rows: [1, 2], nextCursor: encodeCursor(2) });
    expect(toPage([1, 2], 2, (n) => n)).toEqual({ rows: [1, 2], nextCursor: null });
  });
});

describe("idempotency fingerprints", () => {
  it("ignore key order but not values", async () => {
    const a = await requestFingerprint({ rewardId: "x", note: { b: 1, a: 2 } });
    const b = await requestFingerprint({ note: { a: 2, b: 1 }, rewardId: "x" });
    const c = await requestFingerprint({ rewardId: "y" });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe("constraint names from D1 errors", () => {
  it("reads unique and check constraints, including from a cause", () => {
    const unique = new Error("D1_ERROR: UNIQUE constraint failed: users.phone: SQLITE_CONSTRAINT");
    expect(violatedConstraint(unique)).toBe("users.phone");
    const pair = new Error(
      "UNIQUE constraint failed: referrals.referrer_id, referrals.ordinal: SQLITE_CONSTRAINT",
    );
    expect(violatedConstraint(pair)).toBe("referrals.referrer_id, referrals.ordinal");
    const wrapped = new Error("Failed query", {
      cause: new Error("CHECK constraint failed: wallets_balance_check: SQLITE_CONSTRAINT"),
    });
    expect(violatedConstraint(wrapped)).toBe("wallets_balance_check");
    expect(violatedConstraint(new Error("network down"))).toBeNull();
  });
});
