import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { looksLikeLink, maskName, NameSchema, normalizeText } from "../src/lib/names";
import {
  api,
  expectError,
  expectStatus,
  present,
  registerUser,
  tableCounts,
  uniquePhone,
} from "./harness";

const RLO = "\u202E"; // right-to-left override: "‮evil‬" reads backwards after it
const PDF = "\u202C";
const ZWSP = "\u200B";

describe("normalizing what people type", () => {
  it("strips control, format and bidi characters, composes, and collapses whitespace", () => {
    expect(normalizeText(` Ayesha${ZWSP}\n\t Khan\u0000 `)).toBe("Ayesha Khan");
    expect(normalizeText(`${RLO}evil${PDF} A`)).toBe("evil A");
    expect(normalizeText("Zoe\u0308")).toBe("Zoë");
    expect(normalizeText("a\u3164b\u2800c\uFEFFd")).toBe("abcd");
    expect(normalizeText(`Zq${"\u0334".repeat(40)}`)).toBe(`Zq${"\u0334".repeat(3)}`);
  });

  it("recognises links and domains, not ordinary names", () => {
    for (const link of ["evil.com", "https://x.io", "www.x", "me@x.pk", "bit.ly/abc", "EVIL.COM"]) {
      expect(looksLikeLink(link), link).toBe(true);
    }
    for (const name of ["Khan", "J.R.R.", "O'Brien", "Jean-Luc", "Zoë", "محمد"]) {
      expect(looksLikeLink(name), name).toBe(false);
    }
  });

  it("accepts names by what is left after normalization", () => {
    expect(NameSchema.parse(`  Ayesha${ZWSP}   Khan `)).toBe("Ayesha Khan");
    for (const bad of [`${ZWSP}${RLO}`, "   ", "12345", "---", "Visit evil.com", "x".repeat(101)]) {
      expect(NameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("always masks: one-word names, link-like first names and stored hostile names", () => {
    expect(maskName("Cher")).toBe("C.");
    expect(maskName("evil.com")).toBe("E.");
    expect(maskName("evil.com Ltd")).toBe("E. L.");
    expect(maskName(`${RLO}evil${PDF} Ali`)).toBe("evil A.");
    expect(maskName("Ayesha\nKhan")).toBe("Ayesha K.");
    expect(maskName("")).toBe("?");
  });
});

describe("names at signup", () => {
  it("stores the normalized name", async () => {
    const registered = await api.POST("/v1/auth/register", {
      body: {
        name: `${RLO}Ayesha${ZWSP}\n   Khan${PDF}`,
        phone: uniquePhone(),
        password: "correct horse battery",
      },
    });
    expectStatus(registered, 201);
    expect(registered.body.user.name).toBe("Ayesha Khan");
  });

  it("refuses names that are empty after normalization, letterless, links or too long", async () => {
    const before = await tableCounts();
    for (const name of [
      `${ZWSP}${RLO}${PDF}`,
      "\n\t",
      "1234 5678",
      "https://evil.example",
      "Win at evil.com",
      "Ayesha Khan ".repeat(10),
    ]) {
      const response = await api.POST("/v1/auth/register", {
        body: { name, phone: uniquePhone(), password: "correct horse battery" },
      });
      const error = expectError(response, 400, "validation_error");
      expect(present(error.details?.[0]).path).toBe("name");
    }
    expect(await tableCounts()).toEqual(before);
  });
});

describe("names others see", () => {
  it("the public leaderboard masks a one-word name and a hostile name stored earlier", async () => {
    const solo = await registerUser({ name: "Madonna" });
    const legacy = await registerUser({ name: "Legacy Person" });
    // A name stored before normalization existed.
    await env.DB.prepare("update users set name = ? where id = ?")
      .bind(`cheap-pills.example${ZWSP} ${RLO}Now`, legacy.id)
      .run();
    for (let i = 0; i < 3; i++) await registerUser({ referralCode: solo.referralCode });
    for (let i = 0; i < 2; i++) await registerUser({ referralCode: legacy.referralCode });
    const board = await api.GET("/v1/leaderboard", { query: { limit: 2 } });
    expectStatus(board, 200);
    expect(board.body.data).toEqual([
      { rank: 1, name: "M.", referrals: 3 },
      { rank: 2, name: "C. N.", referrals: 2 },
    ]);
  });

  it("a referral code's landing page shows a one-word referrer masked", async () => {
    const solo = await registerUser({ name: "Prince" });
    const landing = await api.GET("/v1/referral-codes/{code}", {
      path: { code: solo.referralCode },
    });
    expectStatus(landing, 200);
    expect(landing.body).toMatchObject({ referrer: { name: "P." } });
  });
});
