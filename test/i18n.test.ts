import { describe, expect, it } from "vitest";
import { messageKinds, messagePlaceholders } from "../src/i18n/kinds";
import { locales } from "../src/i18n/locales";
import {
  catalogues,
  datePhrase,
  fillPlaceholders,
  labelFor,
  placeholdersIn,
  pointsPhrase,
  templateProblems,
} from "../src/i18n/messages";
import { acceptedLocales, resolveLocale } from "../src/i18n/resolve";

describe("catalogues", () => {
  it("have every key in every locale, with the same placeholders", () => {
    const keysOf = (value: object) => Object.keys(value).sort();
    for (const locale of locales) {
      const catalogue = catalogues[locale];
      expect(keysOf(catalogue.messages), locale).toEqual([...messageKinds].sort());
      expect(keysOf(catalogue.labels), locale).toEqual(keysOf(catalogues.en.labels));
      expect(keysOf(catalogue.installPage), locale).toEqual(keysOf(catalogues.en.installPage));
      expect(Object.keys(catalogue.points), locale).toContain("other");
      for (const kind of messageKinds) {
        const text = catalogue.messages[kind];
        expect(placeholdersIn(text).sort(), `${locale} ${kind}`).toEqual(
          placeholdersIn(catalogues.en.messages[kind]).sort(),
        );
        expect(templateProblems(kind, text), `${locale} ${kind}`).toEqual([]);
      }
    }
  });

  it("write Urdu in Arabic script and Hindi in Devanagari, not transliterated", () => {
    for (const kind of messageKinds) {
      const letters = (text: string) => fillPlaceholders(text, {}).replace(/\{\w+\}/g, "");
      expect(letters(catalogues.ur.messages[kind]), kind).toMatch(/^[^a-z]*$/i);
      expect(letters(catalogues.ur.messages[kind]), kind).toMatch(/\p{Script=Arabic}/u);
      expect(letters(catalogues.hi.messages[kind]), kind).toMatch(/^[^a-z]*$/i);
      expect(letters(catalogues.hi.messages[kind]), kind).toMatch(/\p{Script=Devanagari}/u);
    }
    // The iPhone install page too.
    for (const [key, text] of Object.entries(catalogues.ur.installPage)) {
      expect(fillPlaceholders(text, {}).replace(/\{\w+\}/g, ""), key).toMatch(/^[^a-z]*$/i);
    }
    for (const [key, text] of Object.entries(catalogues.hi.installPage)) {
      expect(fillPlaceholders(text, {}).replace(/\{\w+\}/g, ""), key).toMatch(/^[^a-z]*$/i);
    }
  });
});

describe("locale resolution", () => {
  it("takes an explicit locale first, then the user's, then Accept-Language, then the program's default", () => {
    const all = { explicit: "hi", user: "ur", acceptLanguage: "en", defaultLocale: "ur" };
    expect(resolveLocale(all)).toBe("hi");
    expect(resolveLocale({ ...all, explicit: undefined })).toBe("ur");
    expect(resolveLocale({ ...all, explicit: undefined, user: null })).toBe("en");
    expect(resolveLocale({ defaultLocale: "ur", acceptLanguage: "fr-FR, de" })).toBe("ur");
    expect(resolveLocale({})).toBe("en");
  });

  it("skips what it does not speak at every step", () => {
    expect(resolveLocale({ explicit: "fr", user: "xx", acceptLanguage: "hi" })).toBe("hi");
  });

  it("reads Accept-Language by q-value, with regions, ignoring q=0", () => {
    expect(acceptedLocales("fr;q=1, ur-PK;q=0.8, en;q=0.5")).toEqual(["ur", "en"]);
    expect(acceptedLocales("en;q=0.2, hi-IN")).toEqual(["hi", "en"]);
    expect(acceptedLocales("UR-pk, ur;q=0.9")).toEqual(["ur"]);
    expect(acceptedLocales("hi;q=0, en")).toEqual(["en"]);
    expect(acceptedLocales("*")).toEqual([]);
    expect(acceptedLocales("en;q=abc, ur;q=0.1")).toEqual(["ur"]);
    expect(acceptedLocales(undefined)).toEqual([]);
  });
});

describe("formatting", () => {
  it("uses each language's plural forms and digit grouping for points", () => {
    expect(pointsPhrase(1, "en")).toBe("1 point");
    expect(pointsPhrase(0, "en")).toBe("0 points");
    expect(pointsPhrase(1500, "en")).toBe("1,500 points");
    expect(pointsPhrase(1, "ur")).toBe("1 پوائنٹ");
    expect(pointsPhrase(50, "ur")).toBe("50 پوائنٹس");
    expect(pointsPhrase(150000, "hi")).toBe("1,50,000 पॉइंट");
  });

  it("writes dates as each language does (UTC days)", () => {
    const at = Date.UTC(2026, 11, 12, 23, 30);
    expect(datePhrase(at, "en")).toBe("December 12, 2026");
    expect(datePhrase(at, "ur")).toBe("12 دسمبر، 2026");
    expect(datePhrase(at, "hi")).toBe("12 दिसंबर 2026");
  });

  it("shows a label, never a snake_case key", () => {
    expect(labelFor("free_theme", undefined, "ur")).toBe("مفت تھیم");
    // The default program's badges, by name.
    expect(labelFor("Bronze", undefined, "ur")).toBe("کانسی کا بیج");
    expect(labelFor("Gold", undefined, "hi")).toBe("स्वर्ण बैज");
    expect(labelFor("Silver", undefined, "en")).toBe("Silver badge");
    expect(labelFor("gold_member", undefined, "en")).toBe("Gold member");
    expect(labelFor("gold_member", { en: "Gold", hi: "स्वर्ण" }, "hi")).toBe("स्वर्ण");
    expect(labelFor("gold_member", { en: "Gold" }, "ur")).toBe("Gold");
  });
});

describe("templates", () => {
  it("accept the kind's own placeholders", () => {
    expect(templateProblems("invite_sms", "{name} says hi: {link}")).toEqual([]);
  });

  it("refuse an unknown placeholder, naming the kind's", () => {
    expect(templateProblems("verification_code", "Code {code} for {name}")).toEqual([
      "unknown placeholder {name}; verification_code takes {code}",
    ]);
  });

  it("refuse any web address but {link}", () => {
    for (const text of [
      "Join at https://evil.example/x {link}",
      "Join at http://evil.example",
      "Join at www.evil.example",
      "Join at evil.com now",
      "Join at EVIL.COM",
      "Write to me@evil.com",
      // Full-width and ideographic dots: IDNA maps them to ".", and phones link them.
      "Join at ＥＶＩＬ．ＣＯＭ",
      "Join at evil。com",
      "Join at evil｡com",
    ]) {
      expect(templateProblems("share_text", text), text).toEqual([
        "must not contain a web address other than {link}",
      ]);
    }
    expect(templateProblems("share_text", "Hi, e.g. join: {link}")).toEqual([]);
  });

  it("refuse more than 480 characters and an empty text", () => {
    expect(templateProblems("share_text", "a".repeat(480))).toEqual([]);
    expect(templateProblems("share_text", "a".repeat(481))).toEqual([
      "must be at most 480 characters",
    ]);
    expect(templateProblems("share_text", "  ")).toEqual(["must not be empty"]);
  });

  it("fill placeholders", () => {
    expect(fillPlaceholders("{name}: {link}", { name: "A.", link: "https://x.test/r/K" })).toBe(
      "A.: https://x.test/r/K",
    );
    expect(Object.keys(messagePlaceholders)).toHaveLength(12);
  });
});
