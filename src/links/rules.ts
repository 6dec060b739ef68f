/** For the OpenAPI descriptions of what reports clicks (stats, analytics). */
export const CLICK_COUNTS_NOTE =
  "Clicks are stored through a queue after each invite-link visit: they appear here within a second or two (eventually consistent), once per visitor, code and UTC day.";

/** Crawlers and link-preview fetchers: they get the redirect, but are not counted as clicks. */
const AUTOMATED_AGENT =
  /bot|crawler|spider|crawling|preview|facebookexternalhit|facebookcatalog|whatsapp|telegram|slack|discord|skype|linkedin|pinterest|embedly|quora link|vkshare|w3c_validator|headless|python-requests|curl\/|wget|go-http-client|okhttp|axios|node-fetch|httpclient|java\//i;

/**
 * Whether a visit of an invite link is a machine, not a person: a prefetch (`Purpose` /
 * `Sec-Purpose` / `X-Moz`), a missing user agent, or a known crawler or preview agent.
 */
export function isAutomatedVisit(headers: {
  userAgent?: string | undefined;
  purpose?: string | undefined;
  secPurpose?: string | undefined;
  xMoz?: string | undefined;
}): boolean {
  const prefetch = [headers.purpose, headers.secPurpose, headers.xMoz].some((value) =>
    value?.toLowerCase().includes("prefetch"),
  );
  const agent = headers.userAgent?.trim();
  return prefetch || !agent || AUTOMATED_AGENT.test(agent);
}

/**
 * Where an invite link sends people: the signup page with the code (and source), or the
 * plain signup page for an unknown or expired code.
 *
 * @example redirectLocation("https://app.example.com/signup", "K7QM2XRP", "sms")
 *   // "https://app.example.com/signup?ref=K7QM2XRP&src=sms"
 */
export function redirectLocation(signupUrl: string, code: string | null, source: string | null) {
  if (!code) return signupUrl;
  const url = new URL(signupUrl);
  url.searchParams.set("ref", code);
  if (source) url.searchParams.set("src", source);
  return url.toString();
}

/**
 * The link-preview fetchers of the apps people share invites in. They get the preview page;
 * other automated agents (search crawlers, scripts) get the redirect, uncounted.
 */
const PREVIEW_AGENT =
  /WhatsApp|facebookexternalhit|Facebot|Twitterbot|TelegramBot|Slackbot|LinkedInBot|Discordbot/i;

/** Who follows an invite link, as far as the link is concerned. */
export type Visitor = "preview" | "android" | "ios" | "other";

/**
 * Whom a user agent belongs to: a link-preview crawler first (WhatsApp's fetcher says
 * "Android" in some versions), then Android, then iPhone, iPad or iPod. An iPad in desktop
 * mode says "Macintosh" and is "other": it gets the web signup.
 *
 * @example visitorKind("WhatsApp/2.23.20.0 A") // "preview"
 * @example visitorKind("Mozilla/5.0 (Linux; Android 14) … Mobile Safari/537.36") // "android"
 */
export function visitorKind(userAgent: string | undefined): Visitor {
  if (!userAgent) return "other";
  if (PREVIEW_AGENT.test(userAgent)) return "preview";
  if (/\bAndroid\b/i.test(userAgent)) return "android";
  if (/\b(iPhone|iPad|iPod)\b/.test(userAgent)) return "ios";
  return "other";
}

/**
 * The Install Referrer string the Play Store hands the app after install: exactly what the
 * app parses as a query string (docs/integration.md).
 *
 * @example installReferrer("K7QM2XRP", "sms") // "ref=K7QM2XRP&src=sms"
 */
export function installReferrer(code: string, source: string): string {
  return new URLSearchParams({ ref: code, src: source }).toString();
}

/**
 * The app's Play Store page, carrying the code and source as its Install Referrer; without
 * them for an unknown or expired code.
 *
 * @example playStoreUrl("com.example.app", { code: "K7QM2XRP", source: "sms" })
 *   // "https://play.google.com/store/apps/details?id=com.example.app&referrer=ref%3DK7QM2XRP%26src%3Dsms"
 */
export function playStoreUrl(
  packageName: string,
  referral: { code: string; source: string } | null,
): string {
  const params = new URLSearchParams({ id: packageName });
  if (referral) params.set("referrer", installReferrer(referral.code, referral.source));
  return `https://play.google.com/store/apps/details?${params}`;
}

/** @example appStoreUrl("1234567890") // "https://apps.apple.com/app/id1234567890" */
export function appStoreUrl(appStoreId: string): string {
  return `https://apps.apple.com/app/id${appStoreId}`;
}
