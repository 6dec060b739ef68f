import { describe, expect, it } from "vitest";
import {
  duplicatesWithin,
  type LegacyUser,
  parseLegacyUser,
  referrersFirst,
} from "../src/data/legacy";
import legacyUsers from "./fixtures/mongo-users.json";

const NOW = Date.parse("2026-11-26T00:00:00Z");
const ayesha = legacyUsers[0];

describe("parseLegacyUser", () => {
  it("normalizes national and international spellings of a phone", () => {
    const spellings = ["+92 300 1110001", "0300-1110001", "0092 300 1110001", "+92 (300) 111-0001"];
    for (const phone of spellings) {
      const parsed = parseLegacyUser({ ...ayesha, phone }, "PK", NOW);
      expect(parsed.ok && parsed.user.phone, phone).toBe("+923001110001");
    }
    const indian = parseLegacyUser({ ...ayesha, phone: "0091-98765-11105" }, "PK", NOW);
    expect(indian.ok && indian.user.phone).toBe("+919876511105");
  });

  it("reads ids, numbers and dates in mongoexport's canonical and relaxed forms", () => {
    const parsed = parseLegacyUser(
      {
        ...ayesha,
        _id: "65A1F0C2E4B0A1B2C3D40001",
        referredBy: { $oid: "65a1f0c2e4b0a1b2c3d40009" },
        referralCount: { $numberInt: "3" },
        rewards: { $numberLong: "70" },
        createdAt: { $date: { $numberLong: "1690000000000" } },
      },
      "PK",
      NOW,
    );
    expect(parsed).toMatchObject({
      ok: true,
      user: {
        legacyId: "65a1f0c2e4b0a1b2c3d40001",
        referredByLegacyId: "65a1f0c2e4b0a1b2c3d40009",
        referralCount: 3,
        points: 70,
        createdAt: 1_690_000_000_000,
        role: "admin",
        legacyCode: "Ab3_x-9Z",
      },
    });
  });

  it("keeps the bcrypt hash exactly and refuses anything else", () => {
    const parsed = parseLegacyUser(ayesha, "PK", NOW);
    expect(parsed.ok && parsed.user.passwordHash).toBe(ayesha?.password);
    expect(parseLegacyUser({ ...ayesha, password: "hunter2" }, "PK", NOW)).toEqual({
      ok: false,
      phone: "+92 300 1110001",
      reason: expect.stringContaining("bcrypt"),
    });
  });

  it("refuses a self-referral, a bad code and a negative balance, each with its field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ referredBy: ayesha?._id }, "referredBy"],
      [{ referralCode: "has space" }, "referralCode"],
      [{ rewards: -5 }, "rewards"],
      [{ phone: "12345" }, "phone"],
    ];
    for (const [override, field] of cases) {
      const parsed = parseLegacyUser({ ...ayesha, ...override }, "PK", NOW);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.reason).toMatch(new RegExp(`^${field}`));
    }
  });

  it("checks names like signup and bcrypt costs from 4 to 15", () => {
    const named = parseLegacyUser({ ...ayesha, name: "\u202Enahk\u202C  Ayesha\u200B" }, "PK", NOW);
    expect(named.ok && named.user.name).toBe("nahk Ayesha");
    const refused = (override: Record<string, unknown>) => {
      const parsed = parseLegacyUser({ ...ayesha, ...override }, "PK", NOW);
      return !parsed.ok && parsed.reason;
    };
    expect(refused({ name: "www.win.example" })).toBe(
      "name: must not contain a web or e-mail address",
    );
    const hash = ayesha?.password ?? "";
    for (const cost of ["03", "16", "99"]) {
      expect(refused({ password: `$2b$${cost}${hash.slice(6)}` }), cost).toBe(
        "password: must be a bcrypt hash of cost 4 to 15",
      );
    }
    expect(refused({ password: `$2b$15${hash.slice(6)}` })).toBe(false);
  });

  it("refuses a phone that cannot take our SMS, giving it in E.164", () => {
    expect(parseLegacyUser({ ...ayesha, phone: "0900 1 234567" }, "DE", NOW)).toEqual({
      ok: false,
      phone: "+499001234567",
      reason: "phone: a premium-rate number, which cannot receive our SMS (unsupported_phone)",
    });
  });

  it("dates in the future are taken as now", () => {
    const parsed = parseLegacyUser(
      { ...ayesha, createdAt: { $date: "2099-01-01T00:00:00Z" } },
      "PK",
      NOW,
    );
    expect(parsed.ok && parsed.user.createdAt).toBe(NOW);
  });
});

describe("duplicatesWithin", () => {
  it("keeps the first of a phone or a code (case-insensitively) and reports the rest", () => {
    const base = { name: "x", passwordHash: "", role: "user" as const, referredByLegacyId: null };
    const user = (phone: string, legacyCode: string | null) => ({
      ...base,
      legacyId: phone,
      phone,
      legacyCode,
      referralCount: 0,
      points: 0,
      createdAt: 0,
    });
    const duplicates = duplicatesWithin([
      { index: 0, user: user("+923001110001", "Ab3_x-9Z") },
      { index: 1, user: user("+923001110001", "other123") },
      { index: 2, user: user("+923001110002", "AB3_X-9z") },
      { index: 3, user: user("+923001110003", null) },
    ]);
    expect([...duplicates.keys()]).toEqual([1, 2]);
  });
});

describe("referrersFirst", () => {
  const doc = (index: number, legacyId: string, referredByLegacyId: string | null) => ({
    index,
    user: { legacyId, referredByLegacyId } as LegacyUser,
  });

  it("puts each referrer before the people it referred, the rest as given", () => {
    const ordered = referrersFirst([
      doc(0, "c", "b"),
      doc(1, "x", null),
      doc(2, "b", "a"),
      doc(3, "a", null),
    ]);
    expect(ordered.map((d) => d.index)).toEqual([3, 2, 0, 1]);
  });

  it("in a cycle, puts first the document that would close it, and keeps every document", () => {
    const ordered = referrersFirst([doc(0, "a", "b"), doc(1, "b", "a"), doc(2, "a", null)]);
    expect(ordered.map((d) => d.index)).toEqual([1, 0, 2]);
  });
});
