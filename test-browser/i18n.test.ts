/** The catalogues of the portal and the console, and the language rules: run in Node. */
import { describe, expect, it } from "vitest";
import { previewText, problemOf, sampleValues, textLength } from "../web/src/admin/message-rules";
import { en } from "../web/src/shared/i18n/en";
import { hi } from "../web/src/shared/i18n/hi";
import {
  type Catalogue,
  chooseLocale,
  direction,
  humanize,
  INTL_TAGS,
  LOCALES,
  placeholders,
  render,
  termKey,
} from "../web/src/shared/i18n/locale";
import { ur } from "../web/src/shared/i18n/ur";

const catalogues: Record<(typeof LOCALES)[number], Catalogue> = { en, ur, hi };
const keys = Object.keys(en) as (keyof typeof en)[];

describe("the catalogues", () => {
  it("have every key in every language, and no other", () => {
    for (const locale of LOCALES) {
      expect(Object.keys(catalogues[locale]).sort(), locale).toEqual([...keys].sort());
    }
  });

  it("use the same placeholders in every language as in English", () => {
    for (const locale of LOCALES) {
      for (const key of keys) {
        expect(placeholders(catalogues[locale][key]), `${locale}.${key}`).toEqual(
          placeholders(en[key]),
        );
      }
    }
  });

  it("give every plural form the language has, counted by {count}", () => {
    for (const locale of LOCALES) {
      const categories = new Intl.PluralRules(INTL_TAGS[locale]).resolvedOptions().pluralCategories;
      for (const key of keys) {
        const entry = catalogues[locale][key];
        if (typeof entry === "string") continue;
        expect(placeholders(entry), `${locale}.${key}`).toContain("count");
        for (const category of categories) {
          expect(entry[category], `${locale}.${key}.${category}`).toEqual(expect.any(String));
        }
      }
    }
  });

  it("write Urdu in Urdu script and Hindi in Devanagari, not transliterated", () => {
    const script = (catalogue: Catalogue, pattern: RegExp) =>
      keys.filter((key) => pattern.test(JSON.stringify(catalogue[key]))).length / keys.length;
    expect(script(ur, /[\u0600-\u06FF]/)).toBeGreaterThan(0.9);
    expect(script(hi, /[\u0900-\u097F]/)).toBeGreaterThan(0.9);
  });
});

describe("which language a page shows", () => {
  it("follows ?lang= first, then the remembered choice, then the browser's languages, else English", () => {
    const browser = ["fr-FR", "hi-IN", "en"];
    expect(chooseLocale({ query: "ur", remembered: "hi", browser })).toBe("ur");
    expect(chooseLocale({ query: null, remembered: "hi", browser: ["ur-PK"] })).toBe("hi");
    expect(chooseLocale({ query: null, remembered: null, browser })).toBe("hi");
    expect(chooseLocale({ query: null, remembered: null, browser: ["ur-PK"] })).toBe("ur");
    expect(chooseLocale({ query: null, remembered: null, browser: ["fr", "de"] })).toBe("en");
  });

  it("follows a signed-in user's language after ?lang=, before the remembered choice and the browser", () => {
    const browser = ["hi-IN"];
    expect(chooseLocale({ query: null, user: "ur", remembered: "en", browser })).toBe("ur");
    expect(chooseLocale({ query: "hi", user: "ur", remembered: "en", browser })).toBe("hi");
    expect(chooseLocale({ query: null, user: null, remembered: "en", browser })).toBe("en");
  });

  it("ignores a language the pages do not speak, wherever it comes from", () => {
    expect(chooseLocale({ query: "xx", remembered: "<script>", browser: ["ur"] })).toBe("ur");
  });

  it("writes Urdu right to left, English and Hindi left to right", () => {
    expect(LOCALES.map(direction)).toEqual(["ltr", "rtl", "ltr"]);
  });
});

describe("a message in words", () => {
  it("chooses the plural form by Intl.PluralRules: 1 referral, 2 referrals", () => {
    expect(render(en.referralsCount, "en", { count: 1 })).toBe("1 referral");
    expect(render(en.referralsCount, "en", { count: 2 })).toBe("2 referrals");
    expect(render(ur.referralsCount, "ur", { count: 1 })).toBe("\u20681\u2069 ریفرل");
    expect(render(ur.referralsCount, "ur", { count: 3 })).toBe("\u20683\u2069 ریفرلز");
  });

  it("writes numbers the language's way: 12,34,567 in Hindi", () => {
    expect(render(hi.points, "hi", { count: 1234567 })).toBe("12,34,567 पॉइंट");
    expect(render(en.points, "en", { count: 1234567 })).toBe("1,234,567 points");
  });

  it("keeps a phone number's own order inside Urdu text", () => {
    expect(render(ur.codeSentTo, "ur", { phone: "+923001234567" })).toBe(
      "ہم نے \u2068+923001234567\u2069 پر کوڈ بھیج دیا ہے۔",
    );
  });

  it("fills placeholders with text as given, and leaves an unknown one as it is", () => {
    expect(render(en.hello, "en", { name: "{count} <b>" })).toBe("Hi, {count} <b>");
    expect(render(en.invitedBy, "en", {})).toBe("Invited by {name}");
  });

  it("names what the program keys in words, never a snake_case key", () => {
    expect(termKey("term", "Bronze")).toBe("term_bronze");
    expect(termKey("reason", "same_device")).toBe("reason_same_device");
    for (const catalogue of [en, ur, hi]) {
      for (const key of ["term_free_theme", "term_premium_1_month", "reason_same_ip"] as const) {
        expect(catalogue[key]).not.toMatch(/_/);
      }
    }
    expect(humanize("gold_plus_box")).toBe("Gold plus box");
  });
});

describe("the Messages page's rules", () => {
  const link = "http://127.0.0.1:8809/r/K7QM2XRP";
  const now = Date.UTC(2040, 5, 1);

  it("previews a text with sample values in its own language: a masked name, points in the plural form, the day in words", () => {
    const en_ = sampleValues(en, "en", link, now);
    expect(previewText("{name} sent {link}: {points} by {date}", "en", en_)).toBe(
      `Ayesha K. sent ${link}: 150 points by June 8, 2040`,
    );
    const ur_ = sampleValues(ur, "ur", link, now);
    expect(ur_.points).toBe("\u2068150\u2069 پوائنٹس");
    expect(previewText("{reward} کھل گیا", "ur", ur_)).toBe("\u2068مفت تھیم\u2069 کھل گیا");
    expect(sampleValues(hi, "hi", link, now).name).toBe("आयशा क.");
  });

  it("says the API's reasons for refusing a text in catalogue words", () => {
    expect(problemOf("unknown placeholder {foo}; share_text takes {name}, {link}")).toEqual({
      key: "messageProblemPlaceholder",
      values: { unknown: "{foo}", allowed: "{name}, {link}" },
    });
    expect(problemOf("must not contain a web address other than {link}")).toEqual({
      key: "messageProblemLink",
      values: { link: "{link}" },
    });
    expect(problemOf("must be at most 480 characters")).toEqual({
      key: "messageProblemLength",
      values: { max: 480 },
    });
    expect(problemOf("must not be empty")?.key).toBe("messageProblemEmpty");
    expect(problemOf("something new")).toBeNull();
  });

  it("counts characters as the API does: an Urdu letter or an emoji is one", () => {
    expect(textLength("سلام")).toBe(4);
    expect(textLength("👍")).toBe(1);
  });
});
