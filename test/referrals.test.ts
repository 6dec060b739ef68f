import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  awayFromWindowEnd,
  call,
  callJson,
  expectError,
  referrerWith,
  registerUser,
  tableCounts,
  uniquePhone,
  walletBalance,
  withExpiredCode,
} from "./harness";

describe("referral signup", () => {
  it("credits both sides: +20 to the new user, +50 to the referrer", async () => {
    const referrer = await registerUser({ name: "Bilal Ahmed" });
    const referee = await registerUser({ referralCode: referrer.referralCode });
    expect(await walletBalance(referee.accessToken)).toBe(20);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    const me = await callJson("GET", "/v1/me", undefined, { token: referee.accessToken });
    expect(me.body.referredBy).toBe(referrer.referralCode);
  });

  it("pays by tier: 3×50, then 100 each up to 10, then 150", async () => {
    const referrer = await referrerWith(11);
    expect(await walletBalance(referrer.accessToken)).toBe(3 * 50 + 7 * 100 + 150);
    const { body } = await callJson("GET", "/v1/me/referrals?limit=100", undefined, {
      token: referrer.accessToken,
    });
    const points = body.data.map((r: { rewardPoints: number }) => r.rewardPoints).reverse();
    expect(points).toEqual([50, 50, 50, 100, 100, 100, 100, 100, 100, 100, 150]);
  });

  it("matches the code case-insensitively", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({
      referralCode: ` ${referrer.referralCode.toLowerCase()} `,
    });
    expect(await walletBalance(referee.accessToken)).toBe(20);
  });

  it("uses the ref cookie when the body has no code", async () => {
    const referrer = await registerUser();
    const response = await callJson(
      "POST",
      "/v1/auth/register",
      { name: "Sara Malik", phone: uniquePhone(), password: "correct horse battery" },
      { headers: { Cookie: `ref=${referrer.referralCode}` } },
    );
    expect(response.status).toBe(201);
    expect(response.body.user.referredBy).toBe(referrer.referralCode);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("a code in the body wins over the cookie", async () => {
    const typed = await registerUser();
    const cookie = await registerUser();
    const response = await callJson(
      "POST",
      "/v1/auth/register",
      {
        name: "Sara Malik",
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode: typed.referralCode,
      },
      { headers: { Cookie: `ref=${cookie.referralCode}` } },
    );
    expect(response.body.user.referredBy).toBe(typed.referralCode);
  });

  it("a stale cookie does not block signup; the user joins unreferred", async () => {
    const response = await callJson(
      "POST",
      "/v1/auth/register",
      { name: "Sara Malik", phone: uniquePhone(), password: "correct horse battery" },
      { headers: { Cookie: "ref=ZZZZZZZZ" } },
    );
    expect(response.status).toBe(201);
    expect(response.body.user.referredBy).toBeNull();
  });

  it("an unknown code is a 422 and creates nothing", async () => {
    const before = await tableCounts();
    const response = await callJson("POST", "/v1/auth/register", {
      name: "Sara Malik",
      phone: uniquePhone(),
      password: "correct horse battery",
      referralCode: "ZZZZZZZZ",
    });
    expectError(response, 422, "invalid_referral_code");
    expect(response.body.error.message).toBe("No referral code ZZZZZZZZ exists.");
    expect(await tableCounts()).toEqual(before);
  });

  it("an expired code is a 422 and creates nothing", async () => {
    const referrer = await registerUser();
    await withExpiredCode(referrer.id, 30, async () => {
      const before = await tableCounts();
      const response = await callJson("POST", "/v1/auth/register", {
        name: "Sara Malik",
        phone: uniquePhone(),
        password: "correct horse battery",
        referralCode: referrer.referralCode,
      });
      expectError(response, 422, "referral_code_expired");
      expect(await tableCounts()).toEqual(before);
      const landing = await callJson("GET", `/v1/referral-codes/${referrer.referralCode}`);
      expect(landing.body).toMatchObject({ valid: false, expiresAt: "1970-01-31T00:00:00.000Z" });
    });
  });

  it("every referral remembers the program version it was rewarded under", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    const row = await env.DB.prepare(
      "select program_version, referrer_points, referee_points, ordinal, status from referrals where referee_id = ?",
    )
      .bind(referee.id)
      .first();
    const current = await env.DB.prepare("select max(version) as v from programs").first<{
      v: number;
    }>();
    expect(row).toEqual({
      program_version: current?.v,
      referrer_points: 50,
      referee_points: 20,
      ordinal: 1,
      status: "qualified",
    });
  });
});

describe("GET /v1/me/referrals", () => {
  it("lists my referrals newest first with masked names and a summary", async () => {
    const referrer = await registerUser();
    await registerUser({ name: "Ayesha Khan", referralCode: referrer.referralCode });
    await registerUser({ name: "Omar Farooq Sheikh", referralCode: referrer.referralCode });
    const { status, body } = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    expect(status).toBe(200);
    expect(body.data).toEqual([
      {
        id: expect.stringMatching(/^ref_/),
        name: "Omar S.",
        status: "qualified",
        rewardPoints: 50,
        source: "direct",
        createdAt: expect.any(String),
      },
      {
        id: expect.stringMatching(/^ref_/),
        name: "Ayesha K.",
        status: "qualified",
        rewardPoints: 50,
        source: "direct",
        createdAt: expect.any(String),
      },
    ]);
    expect(body.nextCursor).toBeNull();
    expect(body.summary).toEqual({
      total: 2,
      qualified: 2,
      pending: 0,
      held: 0,
      rejected: 0,
      pointsEarned: 100,
    });
    expect(JSON.stringify(body)).not.toContain("+92");
  });

  it("pages with a cursor, without gaps or repeats", async () => {
    const referrer = await referrerWith(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const { body } = await callJson("GET", `/v1/me/referrals${query}`, undefined, {
        token: referrer.accessToken,
      });
      expect(body.data.length).toBeLessThanOrEqual(2);
      expect(body.summary.total).toBe(5);
      seen.push(...body.data.map((r: { id: string }) => r.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it("refuses bad paging parameters", async () => {
    const user = await registerUser();
    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?cursor=garbage"]) {
      const response = await callJson("GET", `/v1/me/referrals${query}`, undefined, {
        token: user.accessToken,
      });
      expectError(response, 400, "validation_error");
    }
  });

  it("shows nobody else's referrals", async () => {
    const referrer = await referrerWith(2);
    const stranger = await registerUser();
    const { body } = await callJson("GET", "/v1/me/referrals", undefined, {
      token: stranger.accessToken,
    });
    expect(body.data).toEqual([]);
    expect(body.summary.total).toBe(0);
    expect(referrer.id).not.toBe(stranger.id);
  });
});

describe("GET /v1/referral-codes/{code}", () => {
  it("describes a code for a landing page, case-insensitively", async () => {
    const referrer = await registerUser({ name: "Ayesha Khan" });
    const { status, body } = await callJson(
      "GET",
      `/v1/referral-codes/${referrer.referralCode.toLowerCase()}`,
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      code: referrer.referralCode,
      valid: true,
      expiresAt: null,
      referrer: { name: "Ayesha K." },
    });
  });

  it("answers 404 for an unknown or malformed code", async () => {
    expectError(await callJson("GET", "/v1/referral-codes/ZZZZZZZZ"), 404, "not_found");
    expectError(await callJson("GET", "/v1/referral-codes/0OIL"), 404, "not_found");
  });

  it("is rate limited per IP", { timeout: 60_000 }, async () => {
    const ip = "2001:db8::c0de";
    await awayFromWindowEnd(60);
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      statuses.push((await call("GET", "/v1/referral-codes/ZZZZZZZZ", undefined, { ip })).status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    expect(statuses[60]).toBe(429);
  });
});

describe("retired referral codes", () => {
  it("answer like unknown codes, stay reserved to their owner, and can be taken back", async () => {
    const owner = await registerUser();
    const retired = owner.referralCode;
    const changed = await callJson("POST", "/v1/me/referral-code", undefined, {
      token: owner.accessToken,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.referralCode).not.toBe(retired);

    // Nobody else can claim it as a vanity code, in any spelling.
    const other = await registerUser();
    const claim = await callJson(
      "PUT",
      "/v1/me/referral-code",
      { code: retired.toLowerCase() },
      { token: other.accessToken },
    );
    expectError(claim, 409, "referral_code_taken");

    // Meanwhile it is unknown to signups, landing pages and links.
    const before = await tableCounts();
    const signup = await callJson("POST", "/v1/auth/register", {
      name: "Late Comer",
      phone: uniquePhone(),
      password: "correct horse battery",
      referralCode: retired,
    });
    expectError(signup, 422, "invalid_referral_code");
    expect(await tableCounts()).toEqual(before);
    expectError(await callJson("GET", `/v1/referral-codes/${retired}`), 404, "not_found");
    const link = await call("GET", `/r/${retired}`);
    expect(link.headers.get("Location")).toBe("https://app.test/signup");

    // Its owner may take it back, and then it pays them again.
    const back = await callJson(
      "PUT",
      "/v1/me/referral-code",
      { code: retired },
      { token: owner.accessToken },
    );
    expect(back.status).toBe(200);
    expect(back.body.referralCode).toBe(retired);
    await registerUser({ referralCode: retired });
    expect(await walletBalance(owner.accessToken)).toBe(50);
    expect(await walletBalance(other.accessToken)).toBe(0);
  });

  it("a dropped vanity code is not up for grabs either", async () => {
    const owner = await registerUser();
    const vanity = `V${owner.id
      .slice(-8)
      .toUpperCase()
      .replace(/[^2-9A-HJKMNP-Z]/g, "Z")}`;
    const chosen = await callJson(
      "PUT",
      "/v1/me/referral-code",
      { code: vanity },
      { token: owner.accessToken },
    );
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    await callJson("POST", "/v1/me/referral-code", undefined, { token: owner.accessToken });
    const other = await registerUser();
    expectError(
      await callJson("PUT", "/v1/me/referral-code", { code: vanity }, { token: other.accessToken }),
      409,
      "referral_code_taken",
    );
  });
});
