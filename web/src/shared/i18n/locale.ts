/**
 * The languages of the portal and the console, as pure rules over plain data (no window, no
 * storage), so that they are tested in Node: which language a page shows, which way it is
 * written, and how a catalogue entry becomes words.
 */
import type { en } from "./en";

export const LOCALES = ["en", "ur", "hi"] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language by its own name, as the language choice shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", ur: "اردو", hi: "हिन्दी" };

/** The BCP 47 tag `Intl` formats with: Urdu as written in Pakistan, Hindi as in India. */
export const INTL_TAGS: Record<Locale, string> = { en: "en", ur: "ur-PK", hi: "hi-IN" };

export const direction = (locale: Locale): "rtl" | "ltr" => (locale === "ur" ? "rtl" : "ltr");

export type MessageKey = keyof typeof en;
/** Plural forms by `Intl.PluralRules` category; `other` is always there. */
export type PluralForms = { other: string } & Partial<
  Record<"zero" | "one" | "two" | "few" | "many", string>
>;
/** A translation: every English key, plural where English is plural. */
export type Catalogue = {
  [K in MessageKey]: (typeof en)[K] extends string ? string : PluralForms;
};

export const isLocale = (value: unknown): value is Locale =>
  typeof value === "string" && (LOCALES as readonly string[]).includes(value);

/** `ur-PK` → `ur`; a language the pages do not speak → null. */
function supported(tag: string | null | undefined): Locale | null {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : null;
}

/**
 * The language of a page: `?lang=` (a link that names one), else the signed-in user's
 * `locale` (saved on the account, so it follows them to every browser), else the choice this
 * browser remembered, else the first of the browser's languages the pages speak, else English.
 * @example chooseLocale({ query: null, remembered: null, browser: ["ur-PK", "en"] }) // "ur"
 */
export function chooseLocale(input: {
  query: string | null;
  user?: string | null;
  remembered: string | null;
  browser: readonly string[];
}): Locale {
  return (
    supported(input.query) ??
    supported(input.user) ??
    supported(input.remembered) ??
    input.browser.map(supported).find((locale) => locale !== null) ??
    "en"
  );
}

/**
 * An entry as words: the plural form for `values.count` by `Intl.PluralRules`, then every
 * `{placeholder}` filled (numbers written by `Intl.NumberFormat`: 12,34,567 in Hindi). In a
 * right-to-left language each value is isolated (FSI…PDI), so that a phone number or a Latin
 * name keeps its own order: "+923001234567" does not become "923001234567+".
 */
export function render(
  entry: string | PluralForms,
  locale: Locale,
  values: Record<string, string | number>,
): string {
  const tag = INTL_TAGS[locale];
  let text: string;
  if (typeof entry === "string") text = entry;
  else {
    const count = typeof values.count === "number" ? values.count : Number(values.count);
    const category = new Intl.PluralRules(tag).select(Number.isFinite(count) ? count : 0);
    text = entry[category] ?? entry.other;
  }
  const numbers = new Intl.NumberFormat(tag);
  const isolate = direction(locale) === "rtl";
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    const words = typeof value === "number" ? numbers.format(value) : value;
    return isolate ? `\u2068${words}\u2069` : words;
  });
}

/** The `{placeholders}` of an entry, sorted, across all its plural forms. */
export function placeholders(entry: string | PluralForms): string[] {
  const texts = typeof entry === "string" ? [entry] : Object.values(entry);
  const names = new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
  return [...names].filter((name): name is string => name !== undefined).sort();
}

/**
 * The catalogue key for a name the program keys (`free_theme`, `Bronze`, `same_device`):
 * `term_free_theme`, `term_bronze`, `reason_same_device`.
 */
export const termKey = (group: "term" | "reason" | "source", key: string) =>
  `${group}_${key
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")}`;

/** A name the catalogue lacks, made readable: `gold_plus_box` → "Gold plus box". */
export function humanize(key: string): string {
  const words = key.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
