import { describe, expect, it } from "vitest";
import { templateProblems } from "../src/i18n/messages";
import { escapeHtml, previewPage } from "../src/links/pages";
import { scriptDays } from "../src/links/referrals-script";
import { installReferrer, playStoreUrl, visitorKind } from "../src/links/rules";

describe("link rules", () => {
  it("tells crawlers, Android, iPhone/iPad and everyone else apart", () => {
    expect(visitorKind("WhatsApp/2.23.20.0 A")).toBe("preview");
    // WhatsApp's Android fetcher names Android too: the preview wins.
    expect(visitorKind("WhatsApp/2.21.12.21 A (Linux; Android 11)")).toBe("preview");
    expect(visitorKind("Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36")).toBe("android");
    expect(visitorKind("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X)")).toBe("ios");
    expect(visitorKind("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15")).toBe(
      "other",
    );
    expect(visitorKind(undefined)).toBe("other");
  });

  it("puts the code and source in the Install Referrer, url-encoded once", () => {
    expect(installReferrer("K7QM2XRP", "sms")).toBe("ref=K7QM2XRP&src=sms");
    expect(playStoreUrl("com.example.app", { code: "K7QM2XRP", source: "sms" })).toBe(
      "https://play.google.com/store/apps/details?id=com.example.app&referrer=ref%3DK7QM2XRP%26src%3Dsms",
    );
    expect(playStoreUrl("com.example.app", null)).toBe(
      "https://play.google.com/store/apps/details?id=com.example.app",
    );
  });

  it("escapes what a page shows, attributes included", () => {
    expect(escapeHtml(`"><script>alert('x')</script>&`)).toBe(
      "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;",
    );
    const html = previewPage({
      locale: "en",
      title: `"><script>`,
      description: "d",
      url: "https://api.test/r/K7QM2XRP",
      imageUrl: null,
    });
    expect(html).not.toContain("<script>");
    expect(html).toContain('content="&quot;&gt;&lt;script&gt;"');
  });

  it("the preview description takes {points}; the script's window is 1 to 30 days", () => {
    expect(templateProblems("link_preview_description", "Get {points} from {name}")).toEqual([]);
    expect(scriptDays("7", 30)).toBe(7);
    for (const raw of [undefined, "0", "31", "-1", "7.5", "abc"])
      expect(scriptDays(raw, 30)).toBe(30);
  });
});
