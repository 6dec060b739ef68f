/**
 * The words of this page in its language: `t()` reads the chosen catalogue (i18n/en.ts, ur.ts,
 * hi.ts). English ships with the page; another language's catalogue is fetched only when a
 * page chooses it, before anything is drawn.
 */
import { en } from "./i18n/en";
import {
  type Catalogue,
  direction,
  humanize,
  INTL_TAGS,
  type Locale,
  type MessageKey,
  render,
  termKey,
} from "./i18n/locale";

export type { Catalogue, Locale, MessageKey };

const loaders: Record<Locale, () => Promise<Catalogue>> = {
  en: async () => en,
  ur: () => import("./i18n/ur").then((module) => module.ur),
  hi: () => import("./i18n/hi").then((module) => module.hi),
};

/** `locale`'s words, whatever this page's language (the console's preview of a message). */
export const catalogueOf = (locale: Locale): Promise<Catalogue> => loaders[locale]();

let current: { locale: Locale; catalogue: Catalogue } = { locale: "en", catalogue: en };

export const currentLocale = (): Locale => current.locale;

/** Loads `locale`'s words and makes them this page's, with `<html lang dir>` to match. */
export async function applyLocale(locale: Locale): Promise<void> {
  const catalogue = await loaders[locale]();
  current = { locale, catalogue };
  document.documentElement.lang = locale;
  document.documentElement.dir = direction(locale);
}

/** The message for `key` in this page's language, its plural form chosen by `values.count`. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  return render(current.catalogue[key] ?? en[key], current.locale, values);
}

/** A key built at run time (a status, a period, an error code), if the catalogue has it. */
export function tMaybe(key: string, values: Record<string, string | number> = {}): string | null {
  return key in current.catalogue ? t(key as MessageKey, values) : null;
}

/** Labels a program may carry for a name it keys (`labels: { en?, ur?, hi? }`). */
export type Labels = Partial<Record<Locale, string>> | null | undefined;

/**
 * A name the program keys, in words: the program's own label in this language when it has
 * one, else the catalogue's, else the key made readable. People never see `free_theme`.
 * @example term("term", "free_theme") // "Free theme", "مفت تھیم", "मुफ़्त थीम"
 */
export function term(group: "term" | "reason" | "source", key: string, labels?: Labels): string {
  return labels?.[current.locale] ?? tMaybe(termKey(group, key)) ?? labels?.en ?? humanize(key);
}

/** The BCP 47 tag this page formats with (`ur-PK`, `hi-IN`). */
export const intlTag = () => INTL_TAGS[current.locale];
const tag = intlTag;

export const formatNumber = (value: number) => new Intl.NumberFormat(tag()).format(value);

/** 0.125 → "12.5%" in the page's language. */
export const formatPercent = (ratio: number) =>
  new Intl.NumberFormat(tag(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);

export const formatDate = (iso: string) =>
  new Date(iso).toLocaleDateString(tag(), { year: "numeric", month: "short", day: "numeric" });

export const formatDateTime = (iso: string) =>
  new Date(iso).toLocaleString(tag(), {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
