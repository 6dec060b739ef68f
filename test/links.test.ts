import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  call,
  callAndSettle,
  callJson,
  cookiesFrom,
  eventually,
  expectStatus,
  registerUser,
  uniquePhone,
  withExpiredCode,
} from "./harness";

const BROWSER =
  "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36";

function visit(path: string, headers: Record<string, string> = {}) {
  return callAndSettle("GET", path, { headers: { "User-Agent": BROWSER, ...headers } });
}

/** The referrer's stored clicks, once `count` of them have come through the queue. */
function clicksOf(userId: string, count = 0) {
  return eventually(
    () => storedClicksOf(userId),
    (rows) => rows.length >= count,
  );
}

async function storedClicksOf(userId: string) {
  const rows = await env.DB.prepare(
    "select source, ip_hash, invite_id from clicks where referrer_id = ?",
  )
    .bind(userId)
    .all<{ source: string; ip_hash: string; invite_id: string | null }>();
  return rows.results;
}

describe("GET /r/{code}", () => {
  it("redirects to signup with the code, sets the attribution cookies and counts the click", async () => {
    const referrer = await registerUser();
    const response = await visit(`/r/${referrer.referralCode}?src=WhatsApp`, {
      "CF-Connecting-IP": "2001:db8::42",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(
      `https://app.test/signup?ref=${referrer.referralCode}&src=whatsapp`,
    );
    const cookies = response.headers.getSetCookie();
    expect(cookies).toContain(
      `ref=${referrer.referralCode}; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(cookies.some((c) => c.startsWith("ref_src=whatsapp;"))).toBe(true);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const clicks = await clicksOf(referrer.id, 1);
    expect(clicks).toHaveLength(1);
    expect(clicks[0]?.source).toBe("whatsapp");
    // Only a salted hash of the IP is stored.
    expect(clicks[0]?.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(clicks)).not.toContain("2001:db8::42");
  });

  it("without src, the source is 'link' and the URL carries no src", async () => {
    const referrer = await registerUser();
    const response = await visit(`/r/${referrer.referralCode.toLowerCase()}`);
    expect(response.headers.get("Location")).toBe(
      `https://app.test/signup?ref=${referrer.referralCode}`,
    );
    expect((await clicksOf(referrer.id, 1))[0]?.source).toBe("link");
  });

  it("an unknown or malformed code goes to the plain signup page, without a cookie", async () => {
    for (const code of ["ZZZZZZZZ", "0OIL", "x".repeat(40)]) {
      const response = await visit(`/r/${code}`);
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe("https://app.test/signup");
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it("an expired code goes to the plain signup page", async () => {
    const referrer = await registerUser();
    await withExpiredCode(referrer.id, 30, async () => {
      const response = await visit(`/r/${referrer.referralCode}`);
      expect(response.headers.get("Location")).toBe("https://app.test/signup");
      expect(await clicksOf(referrer.id)).toEqual([]);
    });
  });

  it("bots and prefetches are redirected but not counted", async () => {
    const referrer = await registerUser();
    // Link-preview crawlers get the preview instead (test/app-links.test.ts).
    const bot = await visit(`/r/${referrer.referralCode}`, {
      "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    });
    expect(bot.status).toBe(302);
    expect(bot.headers.get("Location")).toContain(`ref=${referrer.referralCode}`);
    await visit(`/r/${referrer.referralCode}`, { Purpose: "prefetch" });
    await visit(`/r/${referrer.referralCode}`, { "Sec-Purpose": "prefetch" });
    await visit(`/r/${referrer.referralCode}`);
    // Only the person's visit arrives, even when the bots' visits had time to arrive too.
    expect(await clicksOf(referrer.id, 1)).toHaveLength(1);
  });

  it("serves a known code from cache (isolate memory, then KV), not D1", async () => {
    const referrer = await registerUser();
    await visit(`/r/${referrer.referralCode}`);
    expect(await env.KV.get(`link:${referrer.referralCode}`, "json")).toEqual({
      referrerId: referrer.id,
      code: referrer.referralCode,
      expiresAt: null,
      name: "Ayesha K.",
    });
    // Served from cache even if D1 no longer knew the code.
    await env.DB.prepare("update users set referral_code = 'QQQQQQQQ' where id = ?")
      .bind(referrer.id)
      .run();
    const response = await visit(`/r/${referrer.referralCode}`);
    expect(response.headers.get("Location")).toContain(`ref=${referrer.referralCode}`);
    await env.DB.prepare("update users set referral_code = ? where id = ?")
      .bind(referrer.referralCode, referrer.id)
      .run();
  });
});

describe("attribution, end to end", () => {
  it("click → register with the cookie → stats by source", async () => {
    const referrer = await registerUser();
    const click = await visit(`/r/${referrer.referralCode}?src=sms`);
    const cookie = cookiesFrom(click);
    const signup = await api.POST("/v1/auth/register", {
      body: { name: "Sara Malik", phone: uniquePhone(), password: "correct horse battery" },
      headers: { Cookie: cookie },
    });
    expectStatus(signup, 201);
    expect(signup.body.user.referredBy).toBe(referrer.referralCode);
    const referrals = await api.GET("/v1/me/referrals", { token: referrer.accessToken });
    expectStatus(referrals, 200);
    expect(referrals.body.data[0]?.source).toBe("sms");
    // The click comes through the queue: stats are eventually consistent (~1–2 s).
    const stats = await eventually(
      () => api.GET("/v1/me/stats", { token: referrer.accessToken }),
      (response) => response.status === 200 && response.body.clicks > 0,
    );
    expect(stats.body).toMatchObject({
      clicks: 1,
      signups: 1,
      qualified: 1,
      conversionRate: 1,
      pointsEarned: 50,
      bySource: { sms: { clicks: 1, signups: 1 } },
    });
  });

  it("a typed code without a link is a 'direct' signup", async () => {
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    const stats = await api.GET("/v1/me/stats", { token: referrer.accessToken });
    expectStatus(stats, 200);
    expect(stats.body.bySource).toEqual({ direct: { clicks: 0, signups: 1 } });
    // Qualified ÷ referred signups: clicks play no part.
    expect(stats.body.conversionRate).toBe(1);
  });
});

describe("GET /v1/me/stats", () => {
  it("starts at zero with the first tier, no badge and the first milestone ahead", async () => {
    const user = await registerUser();
    const { status, body } = await callJson("GET", "/v1/me/stats", undefined, {
      token: user.accessToken,
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      clicks: 0,
      signups: 0,
      qualified: 0,
      conversionRate: 0,
      pointsEarned: 0,
      bySource: {},
      tier: { current: 1, nextAt: 4 },
      badge: null,
      nextMilestone: { referrals: 5, reward: "free_theme" },
    });
  });

  it("earns Bronze and moves to the next milestone at 5 referrals", async () => {
    const referrer = await registerUser();
    for (let i = 0; i < 5; i++) await registerUser({ referralCode: referrer.referralCode });
    const { body } = await callJson("GET", "/v1/me/stats", undefined, {
      token: referrer.accessToken,
    });
    expect(body).toMatchObject({
      signups: 5,
      qualified: 5,
      pointsEarned: 350,
      tier: { current: 2, nextAt: 11 },
      badge: "Bronze",
      nextMilestone: { referrals: 20, reward: "premium_1_month" },
    });
  });

  it("needs a token", async () => {
    expect((await call("GET", "/v1/me/stats")).status).toBe(401);
  });
});
