/**
 * What texts exist, the placeholders each takes, and the shape of one language's catalogue:
 * the catalogues (./catalogue) are written against it, and messages.ts reads them.
 */
/** Every text the API sends or serves that an admin may reword, with the placeholders each takes. */
export const messagePlaceholders = {
  verification_code: ["code"],
  password_reset_code: ["code"],
  invite_sms: ["name", "link"],
  invite_email_subject: ["name"],
  invite_email_body: ["name", "link"],
  friend_joined: ["name"],
  referral_rewarded: ["points"],
  milestone_reached: ["reward"],
  points_expiring: ["points", "date"],
  share_text: ["name", "link"],
  link_preview_title: ["name"],
  link_preview_description: ["name", "points"],
} as const satisfies Record<string, readonly string[]>;

export type MessageKind = keyof typeof messagePlaceholders;
export const messageKinds = Object.keys(messagePlaceholders) as MessageKind[];
export type Placeholder = (typeof messagePlaceholders)[MessageKind][number];

/** The most a text may hold: three SMS segments of Unicode text (Urdu, Hindi) at most. */
export const MESSAGE_MAX_LENGTH = 480;

/** One language's words: the messages, the plural forms of "points", default labels of unlocks. */
export interface Catalogue {
  messages: Record<MessageKind, string>;
  /** By `Intl.PluralRules` category; `{count}` is the formatted number. */
  points: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
  /** Names of the default program's unlocks and badges, so nobody reads `free_theme`. */
  labels: Record<string, string>;
  /** The page an invite link shows on iPhone and iPad (src/links/pages.ts); `{name}` is the referrer, masked. */
  installPage: Record<InstallPageText, string>;
}

export type InstallPageText =
  | "title"
  | "invited"
  | "install"
  | "codeLabel"
  | "copy"
  | "copied"
  | "appStore"
  | "continueOnWeb";
