import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { type MessageKind, messageKinds } from "../i18n/kinds";
import { type Locale, locales } from "../i18n/locales";
import { defaultText, renderMessage, templateProblems } from "../i18n/messages";
import { maskName } from "../lib/names";
import type { Deps } from "../platform/deps";
import { findUserById } from "../users/store";
import { customTextOf, deleteCustomText, listCustomTexts, putCustomText } from "./store";

/** What the portal offers to share: `share_text` in the user's language, with their link. */
export async function myShareText({ db, config }: Pick<Deps, "db" | "config">, userId: string) {
  const user = await findUserById(db, userId);
  if (!user)
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  const custom = await customTextOf(db, "share_text", user.locale);
  const link = `${config.publicBaseUrl}/r/${user.referralCode}`;
  const values = { name: maskName(user.name), link };
  const text = renderMessage(
    "share_text",
    user.locale,
    values,
    custom ? { share_text: custom } : {},
  );
  return { locale: user.locale, text, link };
}

/** Every kind in every locale, with the text in force and whether an admin reworded it. */
export async function listMessageTexts(db: Database) {
  const custom = new Map(
    (await listCustomTexts(db)).map((row) => [`${row.kind}/${row.locale}`, row.text]),
  );
  return messageKinds.flatMap((kind) =>
    locales.map((locale) => {
      const text = custom.get(`${kind}/${locale}`);
      return { kind, locale, text: text ?? defaultText(kind, locale), custom: text !== undefined };
    }),
  );
}

/** Rewords one kind in one locale; a text that breaks a rule is refused whole (400) and nothing changes. */
export async function rewordMessage(
  db: Database,
  change: { kind: MessageKind; locale: Locale; text: string; actorId: string },
  now: number,
) {
  const problems = templateProblems(change.kind, change.text);
  if (problems.length > 0) {
    throw new ApiError("validation_error", "The request is not valid.", {
      details: problems.map((message) => ({ path: "text", message })),
    });
  }
  await putCustomText(db, { ...change, now });
  return { kind: change.kind, locale: change.locale, text: change.text, custom: true };
}

export async function restoreDefaultMessage(
  db: Database,
  change: { kind: MessageKind; locale: Locale; actorId: string },
  now: number,
) {
  await deleteCustomText(db, { ...change, now });
}
