/**
 * What a page says when the API refuses a request, as pure rules over the contract's error
 * envelope (`{ error: { code, message, details } }`), so that they are tested in Node: one
 * line for the form and one next to each field the API names.
 */
import type { ApiError } from "./api-types";
import type { Locale } from "./i18n/locale";

/** A catalogue look-up: the words for `key` in the page's language, null when it has none. */
export type Words = (key: string) => string | null;

export interface Refusal {
  /** The form's line: the catalogue's text for the code, else the API's own words where the page is in English (the API speaks English), else a general one. */
  message: string;
  /** By field path (`rules.refereeBonus`): the API's words in English, "Please check this field." in another language. */
  fields: Record<string, string>;
}

/** The envelope a page reads when no answer came at all (offline, a dropped connection). */
export const networkFailure = { error: { code: "network" } } as const;

/**
 * The refusal `envelope` in the words of `locale`; anything that is not an envelope reads as
 * the general error.
 * @example refusalOf({ error: { code: "phone_taken", message: "…" } }, "ur", words).message
 */
export function refusalOf(envelope: unknown, locale: Locale, words: Words): Refusal {
  const error = (envelope as { error?: Partial<ApiError> } | null | undefined)?.error;
  const english = locale === "en";
  const general = words("error_unknown") ?? "";
  const own = english ? error?.message : undefined;
  const message = error?.code ? (words(`error_${error.code}`) ?? own ?? general) : general;
  const fields: Record<string, string> = {};
  const details = Array.isArray(error?.details) ? error.details : [];
  for (const detail of details) {
    fields[detail.path] ??= english ? detail.message : (words("checkField") ?? detail.message);
  }
  return { message, fields };
}
