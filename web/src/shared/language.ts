/**
 * Which language this page shows, and remembering the one a person chose: `?lang=`, then the
 * signed-in user's `locale`, then the choice kept in this browser, then the browser's own
 * languages (`chooseLocale`). A signed-in person's choice is saved on their account
 * (`PATCH /v1/me { locale }`): their SMS and the share text follow it, and so does every
 * browser they sign in on.
 */
import { api, type Schemas } from "./api";
import { chooseLocale, type Locale } from "./i18n/locale";
import { applyLocale, currentLocale } from "./messages";
import { loadSession } from "./session";

const LOCALE_KEY = "edge-referrals.locale";

/** The choice kept in memory where the browser refuses storage (a frame of another site). */
let unstoredChoice: string | null = null;

/** A language chosen on this page while signed out: saved on the account at sign-in. */
let chosenSignedOut: Locale | null = null;

function remembered(): string | null {
  try {
    return localStorage.getItem(LOCALE_KEY) ?? unstoredChoice;
  } catch {
    return unstoredChoice;
  }
}

function remember(locale: Locale): void {
  unstoredChoice = locale;
  try {
    localStorage.setItem(LOCALE_KEY, locale);
  } catch {
    // Storage refused: the choice lasts as long as this page.
  }
}

const queryLocale = () => new URLSearchParams(location.search).get("lang");

/** The language this page shows: before sign-in (no `user`) or for the signed-in `user`. */
export function pageLocale(user?: Pick<Schemas["User"], "locale"> | null): Locale {
  return chooseLocale({
    query: queryLocale(),
    user: user?.locale ?? null,
    remembered: remembered(),
    browser: navigator.languages?.length ? navigator.languages : [navigator.language],
  });
}

/** The account with `locale` saved on it; null when that failed (the page shows it anyway). */
async function saveOnAccount(locale: Locale): Promise<Schemas["User"] | null> {
  const { data } = await api.PATCH("/v1/me", { body: { locale } }).catch(() => ({ data: null }));
  return data ?? null;
}

/**
 * Shows the page in `locale` from now on, here and on the next visit, and saves it on the
 * signed-in account. Answers the account as saved (null when signed out).
 */
export async function chooseLanguage(locale: Locale): Promise<Schemas["User"] | null> {
  remember(locale);
  // A `?lang=` in the address would otherwise win over the choice on reload.
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", locale);
    history.replaceState(history.state, "", url);
  }
  const signedIn = loadSession() !== null;
  chosenSignedOut = signedIn ? null : locale;
  const [user] = await Promise.all([signedIn ? saveOnAccount(locale) : null, applyLocale(locale)]);
  return user;
}

/**
 * Once `user` is signed in: a language they chose on this page before signing in is saved on
 * their account; otherwise the page follows the account's language (unless `?lang=` names
 * one) and remembers it here. Answers the account as it now is.
 */
export async function followUser(user: Schemas["User"]): Promise<Schemas["User"]> {
  const chosen = chosenSignedOut;
  chosenSignedOut = null;
  if (chosen && chosen !== user.locale) return (await saveOnAccount(chosen)) ?? user;
  const locale = pageLocale(user);
  if (locale === user.locale) remember(locale);
  if (locale !== currentLocale()) await applyLocale(locale);
  return user;
}
