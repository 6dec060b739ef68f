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
