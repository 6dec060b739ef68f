/** The languages the API speaks. Urdu is written right to left. */
export const locales = ["en", "ur", "hi"] as const;
export type Locale = (typeof locales)[number];

export const DEFAULT_LOCALE: Locale = "en";

/** Each language by its own name, for a language picker. */
export const localeNames: Record<Locale, string> = { en: "English", ur: "اردو", hi: "हिन्दी" };

export const localeDirections: Record<Locale, "ltr" | "rtl"> = { en: "ltr", ur: "rtl", hi: "ltr" };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (locales as readonly string[]).includes(value);
}
