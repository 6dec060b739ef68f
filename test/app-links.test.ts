import { env } from "cloudflare:workers";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  callAndSettle,
  callJson,
  eventually,
  expectError,
  registerUser,
  withExpiredCode,
} from "./harness";

const ANDROID =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1";
const IPAD =
  "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Version/17.6 Mobile/15E148 Safari/604.1";
const DESKTOP =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130 Safari/537.36";
const CRAWLERS = [
  "WhatsApp/2.23.20.0 A",
  "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
  "Twitterbot/1.0",
  "TelegramBot (like TwitterBot)",
  "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
  "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
  "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
];

const FINGERPRINT =
  "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";
const APP_SETTINGS = {
  android: { packageName: "com.example.rewards", sha256CertFingerprints: [FINGERPRINT] },
  ios: { appId: "ABCDE12345.com.example.rewards", appStoreId: "1234567890" },
  previewImageUrl: "https://cdn.example.com/invite-1200x630.png",
};
const NO_SETTINGS = { android: null, ios: null, previewImageUrl: null };

async function putSettings(settings: unknown) {
  const admin = await adminUser();
  return callJson("PUT", "/v1/admin/link-settings", settings, { token: admin.accessToken });
}

async function withSettings(settings: unknown) {
  const response = await putSettings(settings);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

function visit(path: string, userAgent: string, headers: Record<string, string> = {}) {
  return callAndSettle("GET", path, { headers: { "User-Agent": userAgent, ...headers } });
}

async function storedClicksOf(userId: string) {
  const rows = await env.DB.prepare("select source from clicks where referrer_id = ?")
    .bind(userId)
    .all<{ source: string }>();
  return rows.results;
}

const clicksOf = (userId: string, count: number) =>
  eventually(
    () => storedClicksOf(userId),
    (rows) => rows.length >= count,
  );

describe("link settings", () => {
  it("an admin stores them (fingerprints in capitals), reads them back, and the change is audited", async () => {
    const admin = await adminUser();
    const lower = { ...APP_SETTINGS.android, sha256CertFingerprints: [FINGERPRINT.toLowerCase()] };
    const put = await putSettings({ ...APP_SETTINGS, android: lower });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(APP_SETTINGS);
    const read = await callJson("GET", "/v1/admin/link-settings", undefined, {
      token: admin.accessToken,
    });
    expect(read.body).toEqual(APP_SETTINGS);
    const log = await callJson("GET", "/v1/admin/audit-log?targetType=link_settings", undefined, {
      token: admin.accessToken,
    });
    expect(log.body.data[0]).toMatchObject({
      action: "link_settings.update",
      targetType: "link_settings",
      details: APP_SETTINGS,
    });
  });

  it("a malformed package, fingerprint, app id, store id or image URL is a 400 and changes nothing", async () => {
    await withSettings(APP_SETTINGS);
    const android = APP_SETTINGS.android;
    const ios = APP_SETTINGS.ios;
    const bad: [string, unknown][] = [
      ["android.packageName", { ...APP_SETTINGS, android: { ...android, packageName: "rewards" } }],
      [
        "android.packageName",
        { ...APP_SETTINGS, android: { ...android, packageName: "com.1x.app" } },
      ],
      [
        "android.sha256CertFingerprints.0",
        { ...APP_SETTINGS, android: { ...android, sha256CertFingerprints: ["14:6D:E9"] } },
      ],
      [
        "android.sha256CertFingerprints.0",
        {
          ...APP_SETTINGS,
          android: { ...android, sha256CertFingerprints: [FINGERPRINT.replaceAll(":", "")] },
        },
      ],
      [
        "android.sha256CertFingerprints",
        { ...APP_SETTINGS, android: { ...android, sha256CertFingerprints: [] } },
      ],
      ["ios.appId", { ...APP_SETTINGS, ios: { ...ios, appId: "com.example.rewards" } }],
      ["ios.appId", { ...APP_SETTINGS, ios: { ...ios, appId: "ABC.com.example.rewards" } }],
      ["ios.appStoreId", { ...APP_SETTINGS, ios: { ...ios, appStoreId: "id1234567890" } }],
      ["previewImageUrl", { ...APP_SETTINGS, previewImageUrl: "http://cdn.example.com/a.png" }],
      ["previewImageUrl", { ...APP_SETTINGS, previewImageUrl: "javascript:alert(1)" }],
      // A browser would percent-encode these; stored as typed they are not a URL to show.
      ["previewImageUrl", { ...APP_SETTINGS, previewImageUrl: 'https://x.test/"><script>' }],
      ["previewImageUrl", { ...APP_SETTINGS, previewImageUrl: "https://x.test/a b.png" }],
    ];
    for (const [path, settings] of bad) {
      const error = expectError(await putSettings(settings), 400, "validation_error");
      expect(error.details?.map((detail) => detail.path)).toContain(path);
    }
    const admin = await adminUser();
    const read = await callJson("GET", "/v1/admin/link-settings", undefined, {
      token: admin.accessToken,
    });
    expect(read.body).toEqual(APP_SETTINGS);
  });

  it("of parallel changes, the one stored is the one invite links follow", async () => {
    const admin = await adminUser();
    const ids = Array.from({ length: 12 }, (_, i) => String(2_000_000_000 + i));
    const puts = await Promise.all(
      ids.map((appStoreId) =>
        callJson(
          "PUT",
          "/v1/admin/link-settings",
          { ...APP_SETTINGS, ios: { ...APP_SETTINGS.ios, appStoreId } },
          { token: admin.accessToken },
        ),
      ),
    );
    expect(puts.map((put) => put.status)).toEqual(ids.map(() => 200));
    const stored = await callJson("GET", "/v1/admin/link-settings", undefined, {
      token: admin.accessToken,
    });
    const page = await (await visit("/r/ZZZZZZZZ", IPHONE)).text();
    expect(page).toContain(`href="https://apps.apple.com/app/id${stored.body.ios.appStoreId}"`);
  });

  it("only admins read or change them", async () => {
    const person = await registerUser();
    expectError(
      await callJson("GET", "/v1/admin/link-settings", undefined, { token: person.accessToken }),
      403,
      "forbidden",
    );
    expectError(
      await callJson("PUT", "/v1/admin/link-settings", APP_SETTINGS, { token: person.accessToken }),
      403,
      "forbidden",
    );
    expectError(await callJson("GET", "/v1/admin/link-settings"), 401, "unauthorized");
  });
});

describe("the well-known files", () => {
  it("are 404 while no app is set", async () => {
    await withSettings(NO_SETTINGS);
    for (const path of [
      "/.well-known/assetlinks.json",
      "/.well-known/apple-app-site-association",
    ]) {
      expectError(await callJson("GET", path), 404, "not_found");
    }
  });

  it("serve the apps' association as JSON, without a redirect", async () => {
    await withSettings(APP_SETTINGS);
    const android = await callJson("GET", "/.well-known/assetlinks.json");
    expect(android.status).toBe(200);
    expect(android.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(android.body).toEqual([
      {
        relation: ["delegate_permission/common.handle_all_urls"],
        target: {
          namespace: "android_app",
          package_name: "com.example.rewards",
          sha256_cert_fingerprints: [FINGERPRINT],
        },
      },
    ]);
    const apple = await callJson("GET", "/.well-known/apple-app-site-association");
    expect(apple.status).toBe(200);
    expect(apple.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(apple.body).toEqual({
      applinks: {
        details: [{ appIDs: ["ABCDE12345.com.example.rewards"], components: [{ "/": "/r/*" }] }],
      },
    });
  });
});

describe("GET /r/{code} by user agent", () => {
  it("Android goes to the Play Store with the Install Referrer the app parses, with the cookie and the click", async () => {
    await withSettings(APP_SETTINGS);
    const referrer = await registerUser();
    const response = await visit(`/r/${referrer.referralCode}?src=SMS`, ANDROID);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("Location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(
      "https://play.google.com/store/apps/details",
    );
    expect(location.searchParams.get("id")).toBe("com.example.rewards");
    // What the app does with ReferrerDetails.installReferrer (docs/integration.md).
    const installReferrer = location.searchParams.get("referrer") ?? "";
    expect(installReferrer).toBe(`ref=${referrer.referralCode}&src=sms`);
    const parsed = new URLSearchParams(installReferrer);
    expect([parsed.get("ref"), parsed.get("src")]).toEqual([referrer.referralCode, "sms"]);
    expect(response.headers.get("Location")).toContain(
      `referrer=ref%3D${referrer.referralCode}%26src%3Dsms`,
    );
    expect(response.headers.getSetCookie()).toContain(
      `ref=${referrer.referralCode}; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
    expect((await clicksOf(referrer.id, 1)).map((row) => row.source)).toEqual(["sms"]);
  });

  it("Android with an unknown or expired code goes to the store without a code", async () => {
    await withSettings(APP_SETTINGS);
    const unknown = await visit("/r/ZZZZZZZZ", ANDROID);
    expect(unknown.headers.get("Location")).toBe(
      "https://play.google.com/store/apps/details?id=com.example.rewards",
    );
    expect(unknown.headers.getSetCookie()).toEqual([]);
    const referrer = await registerUser();
    await withExpiredCode(referrer.id, 400, async () => {
      const expired = await visit(`/r/${referrer.referralCode}`, ANDROID);
      expect(expired.headers.get("Location")).toBe(
        "https://play.google.com/store/apps/details?id=com.example.rewards",
      );
    });
  });

  it("iPhone and iPad get the install page in their language: the code to copy, the App Store and the web", async () => {
    await withSettings(APP_SETTINGS);
    const referrer = await registerUser({ name: `Zoë"<i>&'x Khan` });
    for (const agent of [IPHONE, IPAD]) {
      const response = await visit(`/r/${referrer.referralCode}?src=whatsapp`, agent, {
        "Accept-Language": "ur-PK,en;q=0.5",
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      const policy = response.headers.get("Content-Security-Policy") ?? "";
      const nonce = policy.match(/script-src 'nonce-([0-9a-f]+)'/)?.[1];
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      expect(policy).toContain("default-src 'none'");
      const html = await response.text();
      expect(html).toContain('<html lang="ur" dir="rtl">');
      expect(html).toContain(`data-code="${referrer.referralCode}"`);
      expect(html).toContain("کوڈ کاپی کریں");
      expect(html).toContain('href="https://apps.apple.com/app/id1234567890"');
      expect(html).toContain(
        `href="https://app.test/signup?ref=${referrer.referralCode}&amp;src=whatsapp"`,
      );
      // The referrer's name, masked and escaped: nothing they typed becomes markup.
      expect(html).toContain("Zoë&quot;&lt;i&gt;&amp;&#39;x K.");
      expect(html).not.toContain("<i>");
      expect(html.match(/<script[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
      expect(response.headers.getSetCookie().some((c) => c.startsWith("ref="))).toBe(true);
    }
    // One click per visitor, code and day: the two visits came from two addresses.
    expect(await clicksOf(referrer.id, 2)).toHaveLength(2);
  });

  it("after a rename the install page names the referrer by their new name", async () => {
    await withSettings(APP_SETTINGS);
    const referrer = await registerUser({ name: "Sana Malik" });
    expect(await (await visit(`/r/${referrer.referralCode}`, IPHONE)).text()).toContain("Sana M.");
    const renamed = await callJson(
      "PATCH",
      "/v1/me",
      { name: "Sana Javed" },
      {
        token: referrer.accessToken,
      },
    );
    expect(renamed.status).toBe(200);
    const page = await (await visit(`/r/${referrer.referralCode}`, IPHONE)).text();
    expect(page).toContain("Sana J. invited you.");
  });

  it("iPhone with an unknown code gets the page without a code, never an error", async () => {
    await withSettings(APP_SETTINGS);
    const response = await visit("/r/ZZZZZZZZ?lang=hi", IPHONE);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<html lang="hi" dir="ltr">');
    expect(html).not.toContain("data-code");
    expect(html).not.toContain("<script");
    expect(html).toContain('href="https://app.test/signup"');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("desktop and unknown agents get today's redirect, and so do phones when no app is set", async () => {
    await withSettings(APP_SETTINGS);
    const referrer = await registerUser();
    for (const agent of [DESKTOP, "SomethingNew/1.0"]) {
      const response = await visit(`/r/${referrer.referralCode}`, agent);
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe(
        `https://app.test/signup?ref=${referrer.referralCode}`,
      );
    }
    await withSettings(NO_SETTINGS);
    for (const agent of [ANDROID, IPHONE]) {
      const response = await visit(`/r/${referrer.referralCode}`, agent);
      expect(response.headers.get("Location")).toBe(
        `https://app.test/signup?ref=${referrer.referralCode}`,
      );
    }
  });
});

describe("link previews", () => {
  it("each crawler gets Open Graph tags naming the referrer (masked) and the welcome bonus, and no click is counted", async () => {
    await withSettings(APP_SETTINGS);
    const referrer = await registerUser({ name: "Ayesha Khan" });
    for (const agent of CRAWLERS) {
      const response = await visit(`/r/${referrer.referralCode}?src=whatsapp`, agent);
      expect(response.status, agent).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(response.headers.get("Vary")).toContain("Accept-Language");
      expect(response.headers.getSetCookie()).toEqual([]);
      const html = await response.text();
      expect(html).toContain('<meta property="og:type" content="website">');
      expect(html).toContain('<meta property="og:title" content="Ayesha K. invited you">');
      expect(html).toContain(
        '<meta property="og:description" content="Sign up with this link and get 20 points as a welcome bonus.">',
      );
      expect(html).toContain(
        `<meta property="og:url" content="https://api.test/r/${referrer.referralCode}">`,
      );
      expect(html).toContain(
        '<meta property="og:image" content="https://cdn.example.com/invite-1200x630.png">',
      );
    }
    // Give the queue the time a click would take, then look: none.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await storedClicksOf(referrer.id)).toEqual([]);
  });

  it("follow the crawler's Accept-Language and are cached at the edge per code and language", async () => {
    await withSettings({ ...APP_SETTINGS, previewImageUrl: null });
    const referrer = await registerUser({ name: "Ravi Sharma" });
    const preview = async (language: string) =>
      (
        await visit(`/r/${referrer.referralCode}`, CRAWLERS[1] ?? "", {
          "Accept-Language": language,
        })
      ).text();
    const hindi = await preview("hi-IN,hi;q=0.9");
    expect(hindi).toContain('<html lang="hi" dir="ltr">');
    expect(hindi).toContain("Ravi S. ने आपको न्योता भेजा है");
    expect(hindi).toContain("20 पॉइंट");
    expect(hindi).not.toContain("og:image");
    // A rename after the first fetch: the cached Hindi preview stays, Urdu is rendered afresh.
    await env.DB.prepare("update users set name = 'Rahul Verma' where id = ?")
      .bind(referrer.id)
      .run();
    expect(await preview("hi")).toBe(hindi);
    const urdu = await preview("ur");
    expect(urdu).toContain('<html lang="ur" dir="rtl">');
  });

  it("an unknown code gives a crawler the plain redirect", async () => {
    const response = await visit("/r/ZZZZZZZZ", CRAWLERS[0] ?? "");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("https://app.test/signup");
  });
});

describe("GET /referrals.js", () => {
  it("is a cacheable script under 3 KB gzipped that any origin may load, with the window inlined", async () => {
    const response = await callAndSettle("GET", "/referrals.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toMatch(/^public, max-age=\d+/);
    expect(response.headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
    const script = await response.text();
    expect(gzipSync(script).length).toBeLessThanOrEqual(3 * 1024);
    expect(script).toContain("var DAYS = 30;");
    expect(await (await callAndSettle("GET", "/referrals.js?days=7")).text()).toContain(
      "var DAYS = 7;",
    );
    expect(await (await callAndSettle("GET", "/referrals.js?days=900")).text()).toContain(
      "var DAYS = 30;",
    );
  });
});
