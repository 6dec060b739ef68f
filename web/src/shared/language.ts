/**
 * Which language this page shows, and remembering the one a person chose: `?lang=`, then the
 * choice kept in this browser, then the browser's own languages (`chooseLocale`). Saving the
 * choice on the signed-in user as well is one call in `chooseLanguage` once the API has it.
 */
import { chooseLocale, type Locale } from "./i18n/locale";
import { applyLocale } from "./messages";

const LOCALE_KEY = "edge-referrals.locale";

/** The choice kept in memory where the browser refuses storage (a frame of another site). */
let unstoredChoice: string | null = null;

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

/** The language this page opens in. */
export function pageLocale(): Locale {
  return chooseLocale({
    query: new URLSearchParams(location.search).get("lang"),
    remembered: remembered(),
    browser: navigator.languages?.length ? navigator.languages : [navigator.language],
  });
}

/** Shows the page in `locale` from now on, here and on the next visit. */
export async function chooseLanguage(locale: Locale): Promise<void> {
  remember(locale);
  // A `?lang=` in the address would otherwise win over the choice on reload.
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", locale);
    history.replaceState(history.state, "", url);
  }
  await applyLocale(locale);
}
