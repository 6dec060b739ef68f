import type { Database } from "../db/client";
import { pointsPhrase, renderMessage } from "../i18n/messages";
import { acceptedLocales, resolveLocale } from "../i18n/resolve";
import { maskName } from "../lib/names";
import { customTextOf } from "../messages/store";
import { currentProgram } from "../program/store";
import { findReferrerByCode } from "../users/store";
import { previewPage } from "./pages";
import type { LinkTarget } from "./service";
import type { LinkSettingsInForce } from "./settings";

/** How long the edge keeps a preview: texts, names and the bonus reach crawlers within this. */
export const PREVIEW_CACHE_SECONDS = 3600;

/**
 * The edge cache's key of a code's preview: per code, language asked for (the crawler's
 * `Accept-Language`, or "default" for none we speak) and settings version, so a new preview
 * image shows at once while reworded texts wait out PREVIEW_CACHE_SECONDS.
 */
export function previewCacheKey(
  origin: string,
  code: string,
  acceptLanguage: string | undefined,
  settingsVersion: number,
) {
  const asked = acceptedLocales(acceptLanguage)[0] ?? "default";
  return new Request(`${origin}/__link-preview/${code}/${asked}/${settingsVersion}`);
}

/**
 * The link preview of a live code, in the crawler's language (else the program's default),
 * with the admins' `link_preview_*` texts: the referrer's masked name and the welcome bonus.
 */
export async function renderLinkPreview(
  db: Database,
  input: {
    target: LinkTarget;
    acceptLanguage: string | undefined;
    settings: LinkSettingsInForce;
    publicBaseUrl: string;
  },
) {
  const program = await currentProgram(db);
  const locale = resolveLocale({
    acceptLanguage: input.acceptLanguage,
    defaultLocale: program.rules.defaultLocale,
  });
  const [title, description] = await Promise.all([
    customTextOf(db, "link_preview_title", locale),
    customTextOf(db, "link_preview_description", locale),
  ]);
  // An entry cached before names were kept has none: read it (this runs once an hour per code and language).
  const name =
    input.target.name ?? maskName((await findReferrerByCode(db, input.target.code))?.name ?? "");
  const values = {
    name,
    points: pointsPhrase(program.rules.refereeBonus, locale),
  };
  const custom = {
    ...(title ? { link_preview_title: title } : {}),
    ...(description ? { link_preview_description: description } : {}),
  };
  return previewPage({
    locale,
    title: renderMessage("link_preview_title", locale, values, custom),
    description: renderMessage("link_preview_description", locale, values, custom),
    url: `${input.publicBaseUrl}/r/${input.target.code}`,
    imageUrl: input.settings.settings.previewImageUrl,
  });
}
