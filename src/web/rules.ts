import type { Config } from "../config";

/** The built pages (dist/web, by `npm run web:build`), served through the Worker for their headers. */
export const pages = {
  portal: "/portal.html",
  admin: "/admin.html",
  docs: "/docs.html",
} as const;

export type Page = keyof typeof pages;

/** Where the Turnstile widget's script and frame come from (Cloudflare's CSP reference). */
const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/** Whether the page shows the Turnstile widget: the portal, when a site key is set. */
export function showsChallenge(
  page: Page,
  config: { turnstile?: Pick<Config["turnstile"], "siteKey"> },
) {
  return page === "portal" && Boolean(config.turnstile?.siteKey);
}

/**
 * A strict policy: only our own hashed bundles run (no inline script or style), the pages talk
 * to this origin only, and only the configured sites may frame the portal (the admin console
 * is never framed). With TURNSTILE_SITE_KEY the portal also runs Cloudflare's widget, and
 * only then.
 */
export function pageSecurityPolicy(
  page: Page,
  config: Pick<Config, "portalFrameAncestors"> & {
    turnstile?: Pick<Config["turnstile"], "siteKey">;
  },
) {
  const frameAncestors = page === "portal" ? config.portalFrameAncestors.join(" ") : "'none'";
  const challenge = showsChallenge(page, config);
  return [
    "default-src 'none'",
    challenge ? `script-src 'self' ${TURNSTILE_ORIGIN}` : "script-src 'self'",
    ...(challenge ? [`frame-src ${TURNSTILE_ORIGIN}`] : []),
    // The API reference (Scalar, a pinned copy of ours) sets its theme with inline styles.
    page === "docs" ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}
