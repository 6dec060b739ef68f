import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { roleFor } from "../src/auth/rules";
import { readyToQualify } from "../src/program/rules";
import { ProgramRulesSchema } from "../src/program/schemas";
import { defaultRules } from "./fixtures";
import {
  call,
  callAndSettle,
  callJson,
  expectError,
  type HookMessage,
  registerUser,
  type TestUser,
  uniqueIp,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

const HOOK = "https://hooks.test/invites"; // INVITE_WEBHOOK_URL in vitest.config.ts

/** The code SMSes the Worker sent (through the test webhook), newest last. */
let sms: HookMessage[] = [];

beforeEach(() => {
  sms = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url !== HOOK) return realFetch(input, init);
    const body = await request.json<HookMessage>();
    if (body.type === "verification_code") sms.push(body);
    return new Response("", { status: 200 });
  });
});

afterEach(() => vi.restoreAllMocks());

/** The 6-digit code of the last SMS sent to `phone`. */
function lastCodeTo(phone: string): string {
  const message = sms.findLast((m) => m.to === phone);
  const code = /\b(\d{6})\b/.exec(message?.text ?? "")?.[1];
  if (!code) throw new Error(`no code was sent to ${phone}`);
  return code;
}

/** A 6-digit code that is not `code`. */
function otherThan(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

async function sendVerificationCode(user: TestUser, ip?: string) {
  const response = await callAndSettle("POST", "/v1/auth/phone/verification", {
    token: user.accessToken,
    ...(ip ? { ip } : {}),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return lastCodeTo(user.phone);
}

function checkCode(user: TestUser, code: string) {
  return callJson(
    "POST",
    "/v1/auth/phone/verification/check",
    { code },
    { token: user.accessToken },
  );
}

async function requestReset(phone: string, ip?: string) {
  return callAndSettle("POST", "/v1/auth/password/reset", {
    body: { phone },
    ...(ip ? { ip } : {}),
  });
}

describe("phone verification", () => {
  it("a code sent by SMS verifies the phone", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    expect(sms.at(-1)).toMatchObject({
      type: "verification_code",
      purpose: "phone_verification",
      channel: "sms",
      to: user.phone,
    });
    const checked = await checkCode(user, code);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ id: user.id, phoneVerified: true });
    const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
    expect(me.body.phoneVerified).toBe(true);
  });

  it("stores only a hash of the code", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    const row = await env.DB.prepare("select * from verification_codes where user_id = ?")
      .bind(user.id)
      .first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(code);
  });

  it("a code works once, even when checked many times at once", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    const checks = await Promise.all(Array.from({ length: 8 }, () => checkCode(user, code)));
    expect(checks.filter((check) => check.status === 200)).toHaveLength(1);
    for (const check of checks.filter((c) => c.status !== 200)) {
      expectError(check, 422, "invalid_verification_code");
    }
    expectError(await checkCode(user, code), 422, "invalid_verification_code");
  });

  it("five wrong tries spend the code", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    for (let i = 0; i < 5; i++) {
      expectError(await checkCode(user, otherThan(code)), 422, "invalid_verification_code");
    }
    expectError(await checkCode(user, code), 422, "invalid_verification_code");
    const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
    expect(me.body.phoneVerified).toBe(false);
  });

  it("parallel guesses get five tries in all", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, () => checkCode(user, otherThan(code))),
    );
    expect(guesses.every((guess) => guess.status === 422)).toBe(true);
    const row = await env.DB.prepare(
      "select attempts_left from verification_codes where user_id = ?",
    )
      .bind(user.id)
      .first<{ attempts_left: number }>();
    expect(row?.attempts_left).toBe(0);
    expectError(await checkCode(user, code), 422, "invalid_verification_code");
  });

  it("an expired code is refused", async () => {
    const user = await registerUser();
    const code = await sendVerificationCode(user);
    await env.DB.prepare("update verification_codes set expires_at = ? where user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    expectError(await checkCode(user, code), 422, "invalid_verification_code");
  });

  it("a new code replaces the earlier one", async () => {
    const user = await registerUser();
    const first = await sendVerificationCode(user);
    const second = await sendVerificationCode(user);
    if (first !== second) {
      expectError(await checkCode(user, first), 422, "invalid_verification_code");
    }
    expect((await checkCode(user, second)).status).toBe(200);
  });

  it("a password reset code does not verify a phone", async () => {
    const user = await registerUser();
    expect((await requestReset(user.phone)).status).toBe(202);
    expectError(await checkCode(user, lastCodeTo(user.phone)), 422, "invalid_verification_code");
  });

  it("limits the codes sent to one phone", async () => {
    const user = await registerUser();
    for (let i = 0; i < 5; i++) await sendVerificationCode(user);
    const limited = await callAndSettle("POST", "/v1/auth/phone/verification", {
      token: user.accessToken,
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("no code goes to a premium-rate phone stored before such phones were refused, and no budget is used", async () => {
    const user = await registerUser();
    const premium = `+1900555${String(Math.floor(Math.random() * 1e4)).padStart(4, "0")}`;
    await env.DB.prepare("update users set phone = ? where id = ?").bind(premium, user.id).run();
    const smsSent = () =>
      env.DB.prepare("select coalesce(sum(sent), 0) as sent from sms_usage").first("sent");
    const before = await smsSent();
    const verification = await callAndSettle("POST", "/v1/auth/phone/verification", {
      token: user.accessToken,
    });
    expect(verification.status).toBe(202);
    expect((await requestReset(premium)).status).toBe(202);
    expect(sms.filter((m) => m.to === premium)).toEqual([]);
    expect(await smsSent()).toBe(before);
  });

  it("needs a signed-in user and a 6-digit code", async () => {
    expectError(await callJson("POST", "/v1/auth/phone/verification"), 401, "unauthorized");
    const user = await registerUser();
    expectError(await checkCode(user, "12ab"), 400, "validation_error");
  });
});

describe("requireVerifiedPhone", () => {
  it("ten signups of unverified phones pay the referrer nothing; verifying one pays that one", async () => {
    const referrer = await registerUser({ name: "Bilal Ahmed" });
    await withProgramChange({ requireVerifiedPhone: true }, async () => {
      const referees: TestUser[] = [];
      for (let i = 0; i < 10; i++) {
        referees.push(await registerUser({ referralCode: referrer.referralCode }));
      }
      expect(await walletBalance(referrer.accessToken)).toBe(0);
      const listed = await callJson("GET", "/v1/me/referrals", undefined, {
        token: referrer.accessToken,
      });
      expect(listed.body.summary).toMatchObject({ total: 10, pending: 10, qualified: 0 });

      const [first] = referees as [TestUser];
      const checked = await checkCode(first, await sendVerificationCode(first));
      expect(checked.status).toBe(200);
      // Referral #1 pays the first tier (50); the referee gets the signup bonus (20).
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      expect(await walletBalance(first.accessToken)).toBe(20);
      const after = await callJson("GET", "/v1/me/referrals", undefined, {
        token: referrer.accessToken,
      });
      expect(after.body.summary).toMatchObject({ total: 10, pending: 9, qualified: 1 });
    });
  });

  it("with event qualification, pays only once the event came and the phone is verified", async () => {
    const referrer = await registerUser({ name: "Bilal Ahmed" });
    await withProgramChange({ requireVerifiedPhone: true, qualification: "purchase" }, async () => {
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const event = await callJson(
        "POST",
        "/v1/events",
        { type: "purchase", userId: referee.id, externalId: `evt-${referee.id}` },
        { headers: { Authorization: `Bearer ${env.EVENTS_API_KEY}` } },
      );
      expect(event.body.qualified).toEqual([]);
      expect(await walletBalance(referrer.accessToken)).toBe(0);
      await checkCode(referee, await sendVerificationCode(referee));
      expect(await walletBalance(referrer.accessToken)).toBe(50);
    });
  });

  it("is off by default: the seed program pays at signup", async () => {
    expect(
      ProgramRulesSchema.parse({ ...defaultRules, requireVerifiedPhone: undefined }),
    ).toMatchObject({ requireVerifiedPhone: false });
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });
});

describe("PATCH /v1/me", () => {
  it("changes the name", async () => {
    const user = await registerUser();
    const patched = await callJson(
      "PATCH",
      "/v1/me",
      { name: "  Ayesha Siddiqui " },
      { token: user.accessToken },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: user.id, name: "Ayesha Siddiqui" });
  });

  it("validates the name like signup does, and changes nothing when it is bad", async () => {
    const user = await registerUser();
    for (const name of ["   ", "x".repeat(101)]) {
      expectError(
        await callJson("PATCH", "/v1/me", { name }, { token: user.accessToken }),
        400,
        "validation_error",
      );
    }
    const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
    expect(me.body.name).toBe(user.name);
  });
});

describe("password change", () => {
  it("changes the password and ends every other session, not the caller's", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    const changed = await call(
      "POST",
      "/v1/auth/password",
      { currentPassword: user.password, newPassword: "a brand new secret" },
      { token: user.accessToken },
    );
    expect(changed.status).toBe(204);
    expect((await callJson("GET", "/v1/me", undefined, { token: user.accessToken })).status).toBe(
      200,
    );
    expectError(
      await callJson("GET", "/v1/me", undefined, { token: other.body.accessToken }),
      401,
      "unauthorized",
    );
    expectError(
      await callJson("POST", "/v1/auth/refresh", { refreshToken: other.body.refreshToken }),
      401,
      "invalid_refresh_token",
    );
    expect(
      (await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken })).status,
    ).toBe(200);
    expectError(
      await callJson("POST", "/v1/auth/login", { phone: user.phone, password: user.password }),
      401,
      "invalid_credentials",
    );
    const login = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: "a brand new secret",
    });
    expect(login.status).toBe(200);
  });

  it("refuses a wrong current password and a new one past 72 bytes", async () => {
    const user = await registerUser();
    expectError(
      await callJson(
        "POST",
        "/v1/auth/password",
        { currentPassword: "not the password", newPassword: "a brand new secret" },
        { token: user.accessToken },
      ),
      401,
      "invalid_credentials",
    );
    expectError(
      await callJson(
        "POST",
        "/v1/auth/password",
        { currentPassword: user.password, newPassword: "é".repeat(37) },
        { token: user.accessToken },
      ),
      400,
      "validation_error",
    );
    const login = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    expect(login.status).toBe(200);
  });
});

describe("password reset", () => {
  it("answers 202 whether or not the phone has an account, and texts only a real one", async () => {
    const unknown = await requestReset(uniquePhone());
    expect(unknown.status).toBe(202);
    expect(sms).toHaveLength(0);
    const user = await registerUser();
    const known = await requestReset(user.phone);
    expect(known.status).toBe(202);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ purpose: "password_reset", to: user.phone });
  });

  it("a reset code sets a new password, ends every earlier session and verifies the phone", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    await requestReset(user.phone);
    const confirmed = await callJson("POST", "/v1/auth/password/reset/confirm", {
      phone: user.phone,
      code: lastCodeTo(user.phone),
      newPassword: "a brand new secret",
    });
    expect(confirmed.status).toBe(200);
    expect(Object.keys(confirmed.body).sort()).toEqual([
      "accessToken",
      "expiresIn",
      "refreshToken",
      "user",
    ]);
    expect(confirmed.body.user).toMatchObject({ id: user.id, phoneVerified: true });
    for (const token of [user.accessToken, other.body.accessToken]) {
      expectError(await callJson("GET", "/v1/me", undefined, { token }), 401, "unauthorized");
    }
    expectError(
      await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken }),
      401,
      "invalid_refresh_token",
    );
    const me = await callJson("GET", "/v1/me", undefined, {
      token: confirmed.body.accessToken,
    });
    expect(me.body.phoneVerified).toBe(true);
    const login = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: "a brand new secret",
    });
    expect(login.status).toBe(200);
  });

  it("refuses a wrong, a used and a verification code, changing nothing", async () => {
    const user = await registerUser();
    const confirm = (code: string) =>
      callJson("POST", "/v1/auth/password/reset/confirm", {
        phone: user.phone,
        code,
        newPassword: "a brand new secret",
      });
    const verificationCode = await sendVerificationCode(user);
    expectError(await confirm(verificationCode), 422, "invalid_verification_code");
    await requestReset(user.phone);
    const code = lastCodeTo(user.phone);
    expectError(await confirm(otherThan(code)), 422, "invalid_verification_code");
    expect((await callJson("GET", "/v1/me", undefined, { token: user.accessToken })).status).toBe(
      200,
    );
    expect((await confirm(code)).status).toBe(200);
    expectError(await confirm(code), 422, "invalid_verification_code");
    expectError(
      await callJson("POST", "/v1/auth/password/reset/confirm", {
        phone: uniquePhone(),
        code,
        newPassword: "a brand new secret",
      }),
      422,
      "invalid_verification_code",
    );
  });

  it("limits reset requests per phone and per IP", async () => {
    const phone = uniquePhone();
    for (let i = 0; i < 5; i++) expect((await requestReset(phone)).status).toBe(202);
    const perPhone = await requestReset(phone);
    expect(perPhone.status).toBe(429);
    const ip = uniqueIp();
    for (let i = 0; i < 20; i++) expect((await requestReset(uniquePhone(), ip)).status).toBe(202);
    expect((await requestReset(uniquePhone(), ip)).status).toBe(429);
  });
});

describe("no lock-out by strangers", () => {
  function guessReset(phone: string, code: string, ip: string) {
    return callJson(
      "POST",
      "/v1/auth/password/reset/confirm",
      { phone, code, newPassword: "taken over at last" },
      { ip },
    );
  }

  it("ten reset guesses from ten IPs, for a phone that asked for no code, leave the owner's codes alone", async () => {
    const user = await registerUser();
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        guessReset(user.phone, String(i).padStart(6, "0"), uniqueIp()),
      ),
    );
    for (const guess of guesses) expectError(guess, 422, "invalid_verification_code");
    const verified = await checkCode(user, await sendVerificationCode(user));
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect((await requestReset(user.phone)).status).toBe(202);
    const reset = await guessReset(user.phone, lastCodeTo(user.phone), uniqueIp());
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
  });

  it("limits a guesser at one IP, not the owner elsewhere", async () => {
    const user = await registerUser();
    const guesser = uniqueIp();
    for (let i = 0; i < 10; i++) {
      expectError(
        await guessReset(user.phone, String(i).padStart(6, "0"), guesser),
        422,
        "invalid_verification_code",
      );
    }
    const limited = await guessReset(user.phone, "000123", guesser);
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await requestReset(user.phone)).status).toBe(202);
    const reset = await guessReset(user.phone, lastCodeTo(user.phone), uniqueIp());
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
  });

  it("reset requests by strangers do not use up the owner's verification codes", async () => {
    const user = await registerUser();
    for (let i = 0; i < 5; i++)
      expect((await requestReset(user.phone, uniqueIp())).status).toBe(202);
    expect((await requestReset(user.phone, uniqueIp())).status).toBe(429);
    const verified = await checkCode(user, await sendVerificationCode(user));
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  });

  it("guesses at a live reset code from many IPs get five tries in all", async () => {
    const user = await registerUser();
    await requestReset(user.phone);
    const code = lastCodeTo(user.phone);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, () => guessReset(user.phone, otherThan(code), uniqueIp())),
    );
    for (const guess of guesses) expectError(guess, 422, "invalid_verification_code");
    expectError(await guessReset(user.phone, code, uniqueIp()), 422, "invalid_verification_code");
  });
});

describe("account endpoints in OpenAPI", () => {
  it("document their errors from the one error table", async () => {
    const { body } = await callJson("GET", "/openapi.json");
    const responses = (path: string, method = "post") => body.paths[path][method].responses;
    expect(responses("/v1/auth/phone/verification/check")["422"].description).toBe(
      "invalid_verification_code",
    );
    expect(responses("/v1/auth/password/reset/confirm")["422"].description).toBe(
      "invalid_verification_code",
    );
    expect(responses("/v1/auth/password/reset")["429"].description).toBe("rate_limited");
    expect(responses("/v1/auth/password")["401"].description).toBe(
      "unauthorized, invalid_credentials",
    );
    expect(responses("/v1/me", "delete")["429"].description).toBe("rate_limited");
    expect(responses("/v1/me", "patch")["200"]).toBeDefined();
    expect(body.components.schemas.User.required).toContain("phoneVerified");
  });
});

describe("account rules", () => {
  const config = { adminPhones: ["+923009999999"], environment: "production" as const };
  const admin = { phone: "+923009999999", role: "user" as const };

  it("in production, an ADMIN_PHONES phone is admin only once verified", () => {
    expect(roleFor({ ...admin, phoneVerifiedAt: null }, config)).toBe("user");
    expect(roleFor({ ...admin, phoneVerifiedAt: 1 }, config)).toBe("admin");
    expect(roleFor({ ...admin, phoneVerifiedAt: null }, { ...config, environment: "test" })).toBe(
      "admin",
    );
    expect(roleFor({ phone: "+923001111111", role: "user", phoneVerifiedAt: 1 }, config)).toBe(
      "user",
    );
  });

  it("a referral is ready when its step is done and, if asked, the phone is verified", () => {
    const signup = { ...defaultRules, requireVerifiedPhone: true };
    expect(readyToQualify(signup, { qualifyingEventSeen: false, phoneVerified: false })).toBe(
      false,
    );
    expect(readyToQualify(signup, { qualifyingEventSeen: false, phoneVerified: true })).toBe(true);
    const purchase = { ...signup, qualification: "purchase" };
    expect(readyToQualify(purchase, { qualifyingEventSeen: false, phoneVerified: true })).toBe(
      false,
    );
    expect(readyToQualify(purchase, { qualifyingEventSeen: true, phoneVerified: true })).toBe(true);
    expect(
      readyToQualify(
        { ...purchase, requireVerifiedPhone: false },
        { qualifyingEventSeen: true, phoneVerified: false },
      ),
    ).toBe(true);
  });
});
