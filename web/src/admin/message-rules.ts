/**
 * The texts admins reword (`/v1/admin/messages`) as plain rules the Messages page draws with:
 * each kind's placeholders, sample values to preview a text in any language, and the API's
 * reasons for refusing a text in the page's own words. No window here: tested in Node.
 */
import type { ApiError, Schemas } from "../shared/api-types";
import {
  type Catalogue,
  INTL_TAGS,
  type Locale,
  type MessageKey,
  render,
} from "../shared/i18n/locale";

export type MessageKind = Schemas["MessageText"]["kind"];
type Placeholder = "name" | "link" | "code" | "points" | "date" | "reward";

/**
 * Which placeholders each kind takes, as the API checks them (docs/languages.md), in the order
 * the console lists them. A kind the API adds fails the type check until it is here too.
 */
export const MESSAGE_PLACEHOLDERS: Record<MessageKind, readonly Placeholder[]> = {
  share_text: ["name", "link"],
  invite_sms: ["name", "link"],
  invite_email_subject: ["name"],
  invite_email_body: ["name", "link"],
  friend_joined: ["name"],
  referral_rewarded: ["points"],
  milestone_reached: ["reward"],
  points_expiring: ["points", "date"],
  verification_code: ["code"],
  password_reset_code: ["code"],
  link_preview_title: ["name"],
  link_preview_description: ["name"],
};

export const MESSAGE_KINDS = Object.keys(MESSAGE_PLACEHOLDERS) as MessageKind[];

/** The longest text the API takes: three SMS segments of Urdu or Hindi. */
export const MESSAGE_MAX_LENGTH = 480;

/** A text's length as the API counts it: in characters (code points), not UTF-16 units. */
export const textLength = (text: string) => [...text].length;

/** `{name}, {link}`: a kind's placeholders as an admin types them. */
export const placeholderList = (kind: MessageKind) =>
  MESSAGE_PLACEHOLDERS[kind].map((name) => `{${name}}`).join(", ");

const DAY_MS = 86_400_000;

/**
 * What a preview fills the placeholders with, in `locale` (its catalogue `words`): a masked
 * name as people see others' names, a link like a participant's own (`link`), points in the
 * language's plural form, a code, the day a week from `now`, a reward's name.
 * @example sampleValues(en, "en", "https://rewards.example/r/K7QM2XRP", now).points // "150 points"
 */
export function sampleValues(
  words: Catalogue,
  locale: Locale,
  link: string,
  now: number,
): Record<Placeholder, string> {
  return {
    name: words.sampleName,
    link,
    code: "482913",
    points: render(words.points, locale, { count: 150 }),
    date: new Intl.DateTimeFormat(INTL_TAGS[locale], { dateStyle: "long", timeZone: "UTC" }).format(
      now + 7 * DAY_MS,
    ),
    reward: words.term_free_theme,
  };
}

/** A text as a phone shows it: its placeholders filled with the sample values. */
export const previewText = (text: string, locale: Locale, values: Record<Placeholder, string>) =>
  render(text, locale, values);

export type Problem = { key: MessageKey; values: Record<string, string | number> };

/**
 * One reason the API gave for refusing a text (a `details[].message`, in English) as catalogue
 * words, so that an Urdu or a Hindi console says it in its own language; null for a reason
 * not known here (the page then shows the API's words, or a general one).
 * @example problemOf("must be at most 480 characters") // { key: "messageProblemLength", values: { max: 480 } }
 */
export function problemOf(message: string): Problem | null {
  const placeholder = /^unknown placeholder (.+); \w+ takes (.+)$/.exec(message);
  if (placeholder) {
    return {
      key: "messageProblemPlaceholder",
      values: { unknown: placeholder[1] ?? "", allowed: placeholder[2] ?? "" },
    };
  }
  const length = /^must be at most (\d+) characters$/.exec(message);
  if (length) return { key: "messageProblemLength", values: { max: Number(length[1]) } };
  if (message.includes("web address")) {
    return { key: "messageProblemLink", values: { link: "{link}" } };
  }
  if (message === "must not be empty") return { key: "messageProblemEmpty", values: {} };
  return null;
}

/** The API's reasons about the text of a refused `PUT` (its `details` at `text`). */
export function textDetails(error: unknown): string[] {
  const details = (error as { error?: Partial<ApiError> } | null)?.error?.details ?? [];
  return details.filter((detail) => detail.path === "text").map((detail) => detail.message);
}
