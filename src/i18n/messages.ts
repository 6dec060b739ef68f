import { looksLikeLink } from "../lib/names";
import { en } from "./catalogue/en";
import { hi } from "./catalogue/hi";
import { ur } from "./catalogue/ur";
import {
  type Catalogue,
  MESSAGE_MAX_LENGTH,
  type MessageKind,
  messagePlaceholders,
  type Placeholder,
} from "./kinds";
import type { Locale } from "./locales";
import type { Labels } from "./schemas";

export const catalogues: Record<Locale, Catalogue> = { en, ur, hi };

export function defaultText(kind: MessageKind, locale: Locale): string {
  return catalogues[locale].messages[kind];
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Fills a text's placeholders; one without a value stays as written (a stored text is
 * checked on the way in, so that only happens to a default that lacks the value).
 *
 * @example fillPlaceholders("{name} invited you", { name: "Ayesha K." }) // "Ayesha K. invited you"
 */
export function fillPlaceholders(text: string, values: Partial<Record<Placeholder, string>>) {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name as Placeholder] ?? whole);
}

/** The placeholders a text uses, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
}

/**
 * Why an admin's text for `kind` cannot be stored, or an empty list: only the kind's own
 * placeholders, no web address but `{link}` (a phishing link in our SMS would carry our
 * name), at most 480 characters, not empty.
 */
export function templateProblems(kind: MessageKind, text: string): string[] {
  const problems: string[] = [];
  const allowed: readonly string[] = messagePlaceholders[kind];
  if (text.trim().length === 0) problems.push("must not be empty");
  if ([...text].length > MESSAGE_MAX_LENGTH) {
    problems.push(`must be at most ${MESSAGE_MAX_LENGTH} characters`);
  }
  const unknown = placeholdersIn(text).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    problems.push(
      `unknown placeholder ${unknown.map((name) => `{${name}}`).join(", ")}; ${kind} takes ${
        allowed.map((name) => `{${name}}`).join(", ") || "none"
      }`,
    );
  }
  // Read as a browser or phone would: full-width letters and the ideographic and full-width
  // dots that IDNA maps to "." (`ＥＶＩＬ．ＣＯＭ`, `evil。com`) are a link too.
  const asLinkified = text
    .replace(PLACEHOLDER, " ")
    .normalize("NFKC")
    .replace(/[\u3002\uFF61]/g, ".");
  if (asLinkified.split(/\s+/).some(looksLikeLink)) {
    problems.push("must not contain a web address other than {link}");
  }
  return problems;
}

/**
 * An amount of points in words, in the language's plural form and digits grouping.
 *
 * @example pointsPhrase(1, "en") // "1 point"
 * @example pointsPhrase(150000, "hi") // "1,50,000 पॉइंट"
 */
export function pointsPhrase(points: number, locale: Locale): string {
  const forms = catalogues[locale].points;
  const category = new Intl.PluralRules(locale).select(points);
  const form = forms[category] ?? forms.other;
  return form.replace("{count}", new Intl.NumberFormat(locale).format(points));
}

/** A day as people of that language write it (UTC: expiry dates are UTC days). */
export function datePhrase(at: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(at);
}

/**
 * What a person reads for an unlock, badge or reward: the admin's label in their language,
 * else the English one, else the catalogue's name for a known key, else the key in words
 * (`gold_member` → "Gold member") — never a snake_case key.
 */
export function labelFor(key: string, labels: Labels | undefined, locale: Locale): string {
  const known = catalogues[locale].labels[key] ?? catalogues.en.labels[key];
  if (labels?.[locale]) return labels[locale];
  if (known) return known;
  if (labels?.en) return labels.en;
  const words = key.replace(/_+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A message as sent: the admin's text for the kind in this language if there is one, else
 * the catalogue's, with its placeholders filled.
 *
 * @example renderMessage("verification_code", "en", { code: "048213" }) // "048213 is your code…"
 */
export function renderMessage(
  kind: MessageKind,
  locale: Locale,
  values: Partial<Record<Placeholder, string>>,
  customTexts: Partial<Record<string, string>> = {},
): string {
  return fillPlaceholders(customTexts[kind] ?? defaultText(kind, locale), values);
}
