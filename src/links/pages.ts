/**
 * What an invite link serves besides its redirect: the link preview for crawlers, the install
 * page for iPhone and iPad, and the app association files. Pure functions over plain data;
 * every value shown goes through `escapeHtml`.
 */
import { type Locale, localeDirections } from "../i18n/locales";
import { catalogues, fillPlaceholders } from "../i18n/messages";
import type { LinkSettings } from "./schemas";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** @example escapeHtml(`<a href="x">`) // "&lt;a href=&quot;x&quot;&gt;" */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

const meta = (attribute: "property" | "name", key: string, content: string) =>
  `<meta ${attribute}="${key}" content="${escapeHtml(content)}">`;

/**
 * The Open Graph page a link-preview crawler reads. What WhatsApp and Facebook ask for:
 * og:title, og:description, og:url and og:image as absolute URLs, og:type website; the
 * image (the admin's, https) at least 200×200, best 1200×630 and under 300 KB for WhatsApp.
 */
export function previewPage(preview: {
  locale: Locale;
  title: string;
  description: string;
  url: string;
  imageUrl: string | null;
}): string {
  const { locale, title, description, url, imageUrl } = preview;
  const tags = [
    meta("property", "og:type", "website"),
    meta("property", "og:title", title),
    meta("property", "og:description", description),
    meta("property", "og:url", url),
    ...(imageUrl ? [meta("property", "og:image", imageUrl)] : []),
    meta("name", "twitter:card", imageUrl ? "summary_large_image" : "summary"),
    meta("name", "description", description),
  ];
  return `<!doctype html>
<html lang="${locale}" dir="${localeDirections[locale]}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
${tags.join("\n")}
</head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(description)}</p></body>
</html>
`;
}

/** The install page's Content-Security-Policy: nothing runs or styles but this response's own nonce. */
export function installPagePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const INSTALL_STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1.25rem;max-inline-size:28rem;margin-inline:auto;color:#1a1a1a}
h1{font-size:1.4rem}.code{font:600 1.6rem ui-monospace,monospace;letter-spacing:.1em;padding:.5rem .75rem;border:1px solid #ccc;border-radius:.5rem;display:inline-block;user-select:all}
a.button,button{display:block;inline-size:100%;box-sizing:border-box;margin-block:.75rem;padding:.8rem;border-radius:.5rem;font:inherit;text-align:center;text-decoration:none;border:0;background:#0b5fff;color:#fff}
a.secondary{background:none;color:#0b5fff;border:1px solid #0b5fff}`;

// Copies the code shown; the button stays hidden where this cannot run.
const INSTALL_SCRIPT = `var b=document.getElementById("copy");b.hidden=false;b.addEventListener("click",function(){navigator.clipboard.writeText(b.dataset.code).then(function(){b.textContent=b.dataset.copied})})`;

/**
 * The page an iPhone or iPad gets: the code with a copy button (the app reads the copied code,
 * docs/integration.md), the App Store link and the web signup. Without a live code, only the
 * two links.
 */
export function installPage(page: {
  locale: Locale;
  nonce: string;
  code: string | null;
  referrerName: string | null;
  appStoreUrl: string;
  webUrl: string;
}): string {
  const words = catalogues[page.locale].installPage;
  const text = (value: string) => escapeHtml(value);
  const invited = page.referrerName
    ? `<p>${text(fillPlaceholders(words.invited, { name: page.referrerName }))}</p>`
    : "";
  const code = page.code
    ? `<p>${text(words.install)}</p>
<p><span class="code" aria-label="${text(words.codeLabel)}">${text(page.code)}</span></p>
<button type="button" id="copy" hidden data-code="${text(page.code)}" data-copied="${text(words.copied)}">${text(words.copy)}</button>`
    : "";
  return `<!doctype html>
<html lang="${page.locale}" dir="${localeDirections[page.locale]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${text(words.title)}</title>
<style nonce="${page.nonce}">${INSTALL_STYLE}</style>
</head>
<body>
<h1>${text(words.title)}</h1>
${invited}
${code}
<a class="button" href="${text(page.appStoreUrl)}">${text(words.appStore)}</a>
<a class="button secondary" href="${text(page.webUrl)}">${text(words.continueOnWeb)}</a>
${page.code ? `<script nonce="${page.nonce}">${INSTALL_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

/** Digital Asset Links: the Android app may open this host's links itself (App Links). */
export function assetLinks(android: NonNullable<LinkSettings["android"]>) {
  return [
    {
      relation: ["delegate_permission/common.handle_all_urls"],
      target: {
        namespace: "android_app",
        package_name: android.packageName,
        sha256_cert_fingerprints: android.sha256CertFingerprints,
      },
    },
  ];
}

/** Universal Links: the iOS app may open `/r/…` links of this host itself. */
export function appleAppSiteAssociation(ios: NonNullable<LinkSettings["ios"]>) {
  return { applinks: { details: [{ appIDs: [ios.appId], components: [{ "/": "/r/*" }] }] } };
}
