import { canonicalReferralCode } from "../lib/ids";

/**
 * The attribution window: how long an invite link's cookies (and /referrals.js on a shop's
 * own site) keep a code.
 */
export const ATTRIBUTION_DAYS = 30;

/** Names of the cookies an invite link sets (30 days, HttpOnly, Secure, SameSite=Lax). */
export const attributionCookies = { code: "ref", source: "ref_src", invite: "ref_inv" } as const;

export const DIRECT_SOURCE = "direct";
export const DEFAULT_LINK_SOURCE = "link";

/** What a source may look like: a link's `src`, or the `source` a signup body passes on. */
export const SOURCE_PATTERN = /^[a-z0-9_-]{1,32}$/;
const INVITE_ID_PATTERN = /^inv_[0-9a-z]{24}$/;

/**
 * A link's `src` as stored: lower-case letters, digits, `_` and `-`, at most 32; anything
 * else (or nothing) counts as the plain link, so that sources stay a small, clean set.
 *
 * @example linkSource("WhatsApp") // "whatsapp"
 */
export function linkSource(raw: string | undefined | null): string {
  const source = raw?.trim().toLowerCase();
  return source && SOURCE_PATTERN.test(source) ? source : DEFAULT_LINK_SOURCE;
}

export function inviteIdOrNull(raw: string | undefined | null): string | null {
  return raw && INVITE_ID_PATTERN.test(raw) ? raw : null;
}

export interface ReferralClaim {
  code: string;
  /** A typed code must be valid; a cookie's stale code is ignored rather than block signup. */
  from: "body" | "cookie";
  source: string;
  inviteId: string | null;
}

/**
 * Which code a signup uses and where it came from. A typed code wins; it keeps the
 * cookie's source and invite only when it is the same code the link set. A page on
 * another site (where the cookie never reaches the API) passes the landing URL's `src` as
 * `bodySource`: used with a typed code, unless the link's own `ref_src` cookie says it.
 */
export function referralClaim(
  bodyCode: string | undefined,
  cookies: { code?: string; source?: string; invite?: string },
  bodySource?: string,
): ReferralClaim | undefined {
  const fromLink = {
    source: linkSource(cookies.source),
    inviteId: inviteIdOrNull(cookies.invite),
  };
  if (bodyCode) {
    const sameAsLink =
      cookies.code !== undefined &&
      canonicalReferralCode(cookies.code) === canonicalReferralCode(bodyCode);
    if (!sameAsLink) {
      return { code: bodyCode, from: "body", source: bodySource ?? DIRECT_SOURCE, inviteId: null };
    }
    const source = cookies.source === undefined && bodySource ? bodySource : fromLink.source;
    return { code: bodyCode, from: "body", source, inviteId: fromLink.inviteId };
  }
  return cookies.code ? { code: cookies.code, from: "cookie", ...fromLink } : undefined;
}
