/**
 * Rate limits under parallel requests, login throttling that cannot lock an owner out, and
 * the client address a per-IP limit counts.
 *
 * Margin: none. Every count is atomic (a D1 upsert that counts and checks in one statement
 * on the primary, or inside the write it limits, where a CHECK fails the write's batch past
 * the limit; the Rate Limiting binding, which local workerd counts in one Durable
 * Object), so a limit of n lets exactly n through however many requests arrive at once.
 * Windows are fixed, so a burst that straddles a window's end could see two windows; each
 * burst first waits until its window has a few seconds left at least. (In production the
 * edge binding counts per Cloudflare location and approximately; the D1 counts stay exact.)
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authLimits } from "../src/auth/service";
import { createDb } from "../src/db/client";
import { ipSubject, rateLimiter } from "../src/platform/rate-limit";
import {
  awayFromWindowEnd,
  call,
  callJson,
  expectError,
  registerUser,
  type TestUser,
  uniqueIp,
  uniquePhone,
} from "./harness";

const WRONG = "not the password";
/** Bursts of parallel requests on a shared, busy machine take longer than vitest's 5 s. */
const BURST_TIMEOUT_MS = 60_000;

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function login(phone: string, password: string, ip: string) {
  return call("POST", "/v1/auth/login", { phone, password }, { ip });
}

describe("rate limits hold under parallel requests", { timeout: BURST_TIMEOUT_MS }, () => {
  it("evaluates 5 of 60 parallel wrong passwords for one phone from one IP", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const responses = await Promise.all(
      Array.from({ length: 60 }, () => login(user.phone, WRONG, ip)),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 5, 429: 55 });
    const limited = responses.find((r) => r.status === 429);
    expect(Number(limited?.headers.get("Retry-After"))).toBeGreaterThan(0);
    await Promise.all(responses.map((r) => r.body?.cancel()));
  });

  it("creates 20 of 60 parallel signups from one IP", async () => {
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.registerPerIp.windowSeconds);
    const responses = await Promise.all(
      Array.from({ length: 60 }, () =>
        call(
          "POST",
          "/v1/auth/register",
          { name: "Bot", phone: uniquePhone(), password: "correct horse battery" },
          { ip },
        ),
      ),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 20, 429: 40 });
    await Promise.all(responses.map((r) => r.body?.cancel()));
  });

  it("refuses a signup past the IP's hourly count in its own batch: 429 with Retry-After, nothing written", async () => {
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.registerPerIp.windowSeconds);
    // The hour's 20 used up already, in the counter a signup's batch counts in.
    const limiter = rateLimiter({ db: createDb(env.DB), bindings: env, defer: () => {} });
    for (let i = 0; i < authLimits.registerPerIp.limit; i++) {
      await limiter.consume(authLimits.registerPerIp, ipSubject(ip));
    }
    const phone = uniquePhone();
    const refused = await callJson(
      "POST",
      "/v1/auth/register",
      { name: "Bot", phone, password: "correct horse battery" },
      { ip },
    );
    expectError(refused, 429, "rate_limited");
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(authLimits.registerPerIp.windowSeconds);
    const users = await env.DB.prepare("select count(*) as n from users where phone = ?")
      .bind(phone)
      .first<{ n: number }>();
    expect(users?.n).toBe(0);
  });

  it("serves 60 of 90 parallel code look-ups from one IP", async () => {
    const ip = uniqueIp();
    await awayFromWindowEnd(60);
    const responses = await Promise.all(
      Array.from({ length: 90 }, () =>
        call("GET", "/v1/referral-codes/ZZZZZZZZ", undefined, { ip }),
      ),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 404: 60, 429: 30 });
    await Promise.all(responses.map((r) => r.body?.cancel()));
  });
});

describe("login throttling", { timeout: BURST_TIMEOUT_MS }, () => {
  it("locks one phone at one IP after 5 failures, with Retry-After; the owner elsewhere still gets in", async () => {
    const user = await registerUser();
    const attacker = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    for (let i = 0; i < 5; i++) {
      expectError(
        await callJson(
          "POST",
          "/v1/auth/login",
          { phone: user.phone, password: WRONG },
          { ip: attacker },
        ),
        401,
        "invalid_credentials",
      );
    }
    // Even the right password is refused there while locked: no oracle for the guesser.
    const locked = await callJson(
      "POST",
      "/v1/auth/login",
      { phone: user.phone, password: user.password },
      { ip: attacker },
    );
    expectError(locked, 429, "rate_limited");
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await login(user.phone, user.password, uniqueIp())).status).toBe(200);
  });

  it("failures spread over many IPs do not lock the owner out", async () => {
    const user = await registerUser();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const attackers = Array.from({ length: 6 }, () => uniqueIp());
    const responses = await Promise.all(
      attackers.flatMap((ip) => Array.from({ length: 6 }, () => login(user.phone, WRONG, ip))),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 30, 429: 6 });
    const owner = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(user.id);
  });

  it("a right password does not count as a failure", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const statuses: number[] = [];
    for (const password of [WRONG, WRONG, WRONG, WRONG, user.password, WRONG, WRONG]) {
      const response = await login(user.phone, password, ip);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 200, 401, 429]);
  });

  it("stops every IP after 100 failures for one phone in a day", async () => {
    const user = await registerUser();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhone.windowSeconds);
    const attackers = Array.from({ length: 25 }, () => uniqueIp());
    const responses = await Promise.all(
      attackers.flatMap((ip) => Array.from({ length: 4 }, () => login(user.phone, WRONG, ip))),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 100 });
    const owner = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    expectError(owner, 429, "rate_limited");
  });

  it("counts an IPv6 client by its /64", async () => {
    const user = await registerUser();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const prefix = uniqueIp().split("::")[0];
    for (let i = 1; i <= 5; i++) {
      const response = await login(user.phone, WRONG, `${prefix}::${i}`);
      expect(response.status).toBe(401);
      await response.body?.cancel();
    }
    const sameNetwork = await login(user.phone, user.password, `${prefix}:0:0:0:abcd`);
    expect(sameNetwork.status).toBe(429);
    await sameNetwork.body?.cancel();
  });
});

/** DELETE /v1/me with `password`, as `user` from `ip`. */
function eraseAttempt(user: TestUser, password: string, ip: string) {
  return call("DELETE", "/v1/me", { password }, { token: user.accessToken, ip });
}

/** POST /v1/auth/password with `currentPassword`, as `user` from `ip`. */
function passwordChangeAttempt(user: TestUser, currentPassword: string, ip: string) {
  return call(
    "POST",
    "/v1/auth/password",
    { currentPassword, newPassword: "a brand new secret" },
    { token: user.accessToken, ip },
  );
}

describe("erase and password change share the login's failure limits", {
  timeout: BURST_TIMEOUT_MS,
}, () => {
  it("checks 5 of 60 parallel wrong erase passwords from one IP; the rest are 429 with Retry-After", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const responses = await Promise.all(
      Array.from({ length: 60 }, () => eraseAttempt(user, WRONG, ip)),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 5, 429: 55 });
    const limited = responses.find((r) => r.status === 429);
    expect(Number(limited?.headers.get("Retry-After"))).toBeGreaterThan(0);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    // Locked there, even the right password erases nothing: no oracle for the guesser.
    expectError(
      await callJson(
        "DELETE",
        "/v1/me",
        { password: user.password },
        {
          token: user.accessToken,
          ip,
        },
      ),
      429,
      "rate_limited",
    );
    expect((await callJson("GET", "/v1/me", undefined, { token: user.accessToken })).status).toBe(
      200,
    );
  });

  it("checks 5 of 30 parallel wrong current passwords from one IP", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => passwordChangeAttempt(user, WRONG, ip)),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 5, 429: 25 });
    await Promise.all(responses.map((r) => r.body?.cancel()));
  });

  it("wrong passwords add up across login, erase and password change", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const statuses: number[] = [];
    for (const attempt of [
      () => login(user.phone, WRONG, ip),
      () => eraseAttempt(user, WRONG, ip),
      () => passwordChangeAttempt(user, WRONG, ip),
      () => eraseAttempt(user, WRONG, ip),
      () => passwordChangeAttempt(user, WRONG, ip),
      () => login(user.phone, user.password, ip),
    ]) {
      const response = await attempt();
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login(user.phone, user.password, uniqueIp())).status).toBe(200);
  });

  it("a right current password gives its count back", async () => {
    const user = await registerUser();
    const ip = uniqueIp();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhoneIp.windowSeconds);
    const statuses: number[] = [];
    for (const attempt of [
      () => login(user.phone, WRONG, ip),
      () => login(user.phone, WRONG, ip),
      () => login(user.phone, WRONG, ip),
      () => login(user.phone, WRONG, ip),
      () => passwordChangeAttempt(user, user.password, ip),
      () => login(user.phone, WRONG, ip),
      () => login(user.phone, WRONG, ip),
    ]) {
      const response = await attempt();
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 204, 401, 429]);
  });

  it("100 wrong erases and password changes for one phone, from many IPs, stop its login everywhere", async () => {
    const user = await registerUser();
    await awayFromWindowEnd(authLimits.loginFailuresPerPhone.windowSeconds);
    const attackers = Array.from({ length: 25 }, () => uniqueIp());
    const responses = await Promise.all(
      attackers.flatMap((ip) => [
        eraseAttempt(user, WRONG, ip),
        eraseAttempt(user, WRONG, ip),
        passwordChangeAttempt(user, WRONG, ip),
        passwordChangeAttempt(user, WRONG, ip),
      ]),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: 100 });
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expectError(
      await callJson("POST", "/v1/auth/login", { phone: user.phone, password: user.password }),
      429,
      "rate_limited",
    );
  });
});

describe("ipSubject", () => {
  it("keeps an IPv4 address whole", () => {
    expect(ipSubject("203.0.113.7")).toBe("203.0.113.7");
    expect(ipSubject(" 203.0.113.7 ")).toBe("203.0.113.7");
  });

  it("keys IPv6 by its /64, whatever the spelling", () => {
    const subject = "2001:db8:aa:bb::/64";
    expect(ipSubject("2001:db8:aa:bb::1")).toBe(subject);
    expect(ipSubject("2001:0DB8:00aa:00BB:ffff:ffff:ffff:ffff")).toBe(subject);
    expect(ipSubject("2001:db8:aa:bb:0:0:0:0")).toBe(subject);
    expect(ipSubject("2001:db8:aa:bb::7%eth0")).toBe(subject);
    expect(ipSubject("2001:db8:aa:bc::1")).not.toBe(subject);
  });

  it("expands compression in the prefix", () => {
    expect(ipSubject("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipSubject("::1")).toBe("0:0:0:0::/64");
    expect(ipSubject("2001::1:2:3:4")).toBe("2001:0:0:0::/64");
  });

  it("treats IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(ipSubject("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(ipSubject("::ffff:cb00:7107")).toBe("203.0.113.7");
  });

  it("returns what is not an address as it is", () => {
    expect(ipSubject("unknown")).toBe("unknown");
    expect(ipSubject("1:2:3")).toBe("1:2:3");
    expect(ipSubject("1::2::3")).toBe("1::2::3");
  });
});
