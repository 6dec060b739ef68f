import { isLocale, type Locale } from "./locales";

/**
 * The supported languages an `Accept-Language` header asks for, most wanted first: q-values
 * honoured (q=0 means "not this"), regions dropped (`ur-PK` → ur, `hi-IN` → hi).
 *
 * @example acceptedLocales("fr;q=1, ur-PK;q=0.8, en;q=0.5") // ["ur", "en"]
 */
export function acceptedLocales(header: string | null | undefined): Locale[] {
  if (!header) return [];
  const ranked = header
    .split(",")
    .map((part, position) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params
        .map((param) => param.trim().match(/^q=(.*)$/i)?.[1])
        .find((value) => value !== undefined);
      const weight = q === undefined ? 1 : Number(q);
      return {
        locale: tag.trim().toLowerCase().split("-")[0],
        weight: Number.isFinite(weight) ? weight : 0,
        position,
      };
    })
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.position - b.position);
  const found: Locale[] = [];
  for (const { locale } of ranked) {
    if (isLocale(locale) && !found.includes(locale)) found.push(locale);
  }
  return found;
}

/**
 * The language to speak to a person in: what they asked for explicitly (a body's `locale`,
 * a page's `?lang=`), else their stored choice, else their browser's `Accept-Language`,
 * else the program's `defaultLocale`, else English. Unsupported values fall through.
 *
 * @example resolveLocale({ acceptLanguage: "hi-IN,en;q=0.5", defaultLocale: "ur" }) // "hi"
 */
export function resolveLocale(sources: {
  explicit?: string | null | undefined;
  user?: string | null | undefined;
  acceptLanguage?: string | null | undefined;
  defaultLocale?: string | null | undefined;
}): Locale {
  if (isLocale(sources.explicit)) return sources.explicit;
  if (isLocale(sources.user)) return sources.user;
  const accepted = acceptedLocales(sources.acceptLanguage)[0];
  if (accepted) return accepted;
  if (isLocale(sources.defaultLocale)) return sources.defaultLocale;
  return "en";
}

/**
 * What a request asks for, before any stored or program default: its body's `locale`, else
 * the best of its `Accept-Language`; null when neither names a language we speak.
 */
export function requestedLocale(
  explicit: Locale | undefined,
  acceptLanguage: string | null | undefined,
): Locale | null {
  return explicit ?? acceptedLocales(acceptLanguage)[0] ?? null;
}
