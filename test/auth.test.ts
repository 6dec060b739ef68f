import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  call,
  callJson,
  countRows,
  expectError,
  registerUser,
  uniqueIp,
  uniquePhone,
} from "./harness";

const PASSWORD = "correct horse battery";

describe("register — happy", () => {
  it("creates the user and signs them in", async () => {
    const phone = uniquePhone();
    const response = await callJson("POST", "/v1/auth/register", {
      name: "Ayesha Khan",
      phone,
      password: PASSWORD,
    });
    expect(response.status).toBe(201);
    const { user, accessToken, refreshToken, expiresIn } = response.body;
    expect(Object.keys(response.body).sort()).toEqual([
      "accessToken",
      "expiresIn",
      "refreshToken",
      "user",
    ]);
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_/),
      name: "Ayesha Khan",
      phone,
      role: "user",
      referralCode: expect.stringMatching(/^[2-9A-HJKMNP-Z]{8}$/),
      referralLink: `https://api.test/r/${user.referralCode}`,
      referredBy: null,
      phoneVerified: false,
      locale: "en",
      notifications: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(accessToken.split(".")).toHaveLength(3);
    expect(refreshToken.length).toBeGreaterThanOrEqual(43);
    expect(expiresIn).toBe(900);
  });

  it("stores the phone in E.164 whatever the spelling", async () => {
    const { body } = await callJson("POST", "/v1/auth/register", {
      name: "Imran",
      phone: "+92 (301) 765-4321",
      password: PASSWORD,
    });
    expect(body.user.phone).toBe("+923017654321");
  });

  it("gives the admin role to ADMIN_PHONES", async () => {
    const admin = await registerUser({ phone: "+92 300 9999999" });
    const me = await callJson("GET", "/v1/me", undefined, { token: admin.accessToken });
    expect(me.body.role).toBe("admin");
  });

  it("stores a bcrypt hash, never the password", async () => {
    const user = await registerUser();
    const row = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(row?.password_hash).not.toContain(user.password);
  });
});

describe("register — errors", () => {
  it("refuses a phone that is already registered, in any spelling", async () => {
    const first = await registerUser({ phone: "+923331112233" });
    const again = await callJson("POST", "/v1/auth/register", {
      name: "Someone Else",
      phone: "+92 333 111 2233",
      password: PASSWORD,
    });
    expectError(again, 409, "phone_taken");
    expect(first.phone).toBe("+923331112233");
  });

  it("refuses passwords under 8 or over 72 bytes, counting UTF-8 bytes", async () => {
    const before = await countRows("users");
    for (const password of ["short", "é".repeat(37), "x".repeat(73)]) {
      const response = await callJson("POST", "/v1/auth/register", {
        name: "Ayesha",
        phone: uniquePhone(),
        password,
      });
      expectError(response, 400, "validation_error");
      expect(response.body.error.details[0].path).toBe("password");
    }
    // 72 one-byte characters are fine; 36 two-byte ones too.
    await registerUser({ password: "x".repeat(72) });
    await registerUser({ password: "é".repeat(36) });
    expect(await countRows("users")).toBe(before + 2);
  });

  it("refuses an invalid phone with a validation error naming it", async () => {
    const response = await callJson("POST", "/v1/auth/register", {
      name: "Ayesha",
      phone: "12345",
      password: PASSWORD,
    });
    expectError(response, 400, "validation_error");
    expect(response.body.error.details).toEqual([{ path: "phone", message: expect.any(String) }]);
  });

  it("refuses premium-rate, shared-cost and satellite phones with 422 unsupported_phone, writing nothing", async () => {
    const before = await countRows("users");
    for (const phone of [
      "+19005551234", // US 900: premium rate
      "+449098790123", // UK 09: premium rate
      "+49 900 1234567", // Germany 0900: premium rate
      "+33 8 99 12 34 56", // France 089x: premium rate
      "+49 180 1234 5678", // Germany 0180: shared cost
      "+870 772 345 678", // Inmarsat
      "+881 631 234 5678", // Iridium
    ]) {
      const response = await callJson(
        "POST",
        "/v1/auth/register",
        { name: "Ayesha", phone, password: PASSWORD },
        { ip: uniqueIp() },
      );
      expectError(response, 422, "unsupported_phone");
      expect(response.body.error.message, phone).toMatch(/premium-rate|shared-cost|satellite/);
    }
    expect(await countRows("users")).toBe(before);
  });

  it("accepts Pakistani and Indian mobiles", async () => {
    await registerUser({ phone: uniquePhone() });
    const indian = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    expect((await registerUser({ phone: indian })).phone).toBe(indian);
  });

  it("lists every invalid field", async () => {
    const response = await callJson("POST", "/v1/auth/register", { name: "", password: 5 });
    expectError(response, 400, "validation_error");
    const paths = response.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(["name", "password", "phone"]);
  });

  it("limits signups per IP", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const response = await call(
        "POST",
        "/v1/auth/register",
        { name: "Bot", phone: uniquePhone(), password: PASSWORD },
        { ip },
      );
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("limits attempts per phone, from any IP", async () => {
    const phone = uniquePhone();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await call("POST", "/v1/auth/register", {
        name: "Twin",
        phone,
        password: PASSWORD,
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 409, 409, 409, 409, 429]);
  });
});

describe("login", () => {
  it("signs in with the phone in any spelling", async () => {
    const user = await registerUser({ phone: "+923214445566" });
    const response = await callJson("POST", "/v1/auth/login", {
      phone: "+92 321 444 5566",
      password: user.password,
    });
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.id);
    expect(response.body).toMatchObject({ accessToken: expect.any(String), expiresIn: 900 });
  });

  it("finds a phone stored under the looser checks of earlier versions", async () => {
    // Valid for the smaller metadata signups were checked with before, not for the full one.
    const user = await registerUser();
    const stored = `+49900${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    await env.DB.prepare("update users set phone = ? where id = ?").bind(stored, user.id).run();
    const response = await callJson("POST", "/v1/auth/login", {
      phone: stored,
      password: user.password,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.user.id).toBe(user.id);
  });

  it("answers an unknown phone and a wrong password the same way", async () => {
    const user = await registerUser();
    const wrongPassword = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: "not the password",
    });
    const unknownPhone = await callJson("POST", "/v1/auth/login", {
      phone: uniquePhone(),
      password: "not the password",
    });
    expectError(wrongPassword, 401, "invalid_credentials");
    expectError(unknownPhone, 401, "invalid_credentials");
    expect(wrongPassword.body.error.message).toBe(unknownPhone.body.error.message);
  });

  it("a password longer than 72 bytes is wrong, even when its first 72 bytes are right", async () => {
    const password = "a".repeat(72);
    const user = await registerUser({ password });
    const longer = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: `${password}-anything`,
    });
    expectError(longer, 401, "invalid_credentials");
    const exact = await callJson("POST", "/v1/auth/login", { phone: user.phone, password });
    expect(exact.status).toBe(200);
  });

  it("locks an IP out after 30 failures across phones", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 30; i++) {
      const failed = await call(
        "POST",
        "/v1/auth/login",
        { phone: uniquePhone(), password: "nope-nope" },
        { ip },
      );
      expect(failed.status).toBe(401);
    }
    const locked = await callJson(
      "POST",
      "/v1/auth/login",
      { phone: uniquePhone(), password: "nope-nope" },
      { ip },
    );
    expectError(locked, 429, "rate_limited");
  });
});

describe("refresh", () => {
  it("rotates: the new pair works, the old refresh token is spent", async () => {
    const user = await registerUser();
    const first = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(["accessToken", "expiresIn", "refreshToken"]);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    const me = await callJson("GET", "/v1/me", undefined, { token: first.body.accessToken });
    expect(me.body.id).toBe(user.id);
    const second = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: first.body.refreshToken,
    });
    expect(second.status).toBe(200);
  });

  it("a used refresh token revokes the whole family", async () => {
    const user = await registerUser();
    const rotated = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    const replay = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    expectError(replay, 401, "invalid_refresh_token");
    // The legitimate newer token dies with its family.
    const newer = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: rotated.body.refreshToken,
    });
    expectError(newer, 401, "invalid_refresh_token");
  });

  it("a used refresh token ends the family's access tokens at once", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    const rotated = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    for (const token of [user.accessToken, rotated.body.accessToken]) {
      expectError(await callJson("GET", "/v1/me", undefined, { token }), 401, "unauthorized");
    }
    const survivor = await callJson("GET", "/v1/me", undefined, { token: other.body.accessToken });
    expect(survivor.status).toBe(200);
  });

  it("refuses unknown and expired tokens", async () => {
    const unknown = await callJson("POST", "/v1/auth/refresh", { refreshToken: "x".repeat(43) });
    expectError(unknown, 401, "invalid_refresh_token");
    const user = await registerUser();
    await env.DB.prepare(
      "update refresh_tokens set expires_at = 0 where session_id in (select id from sessions where user_id = ?)",
    )
      .bind(user.id)
      .run();
    const expired = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    expectError(expired, 401, "invalid_refresh_token");
  });

  it("other sessions survive when one family is revoked", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    const survivor = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: other.body.refreshToken,
    });
    expect(survivor.status).toBe(200);
  });
});

describe("logout", () => {
  it("ends the session of the given refresh token only", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    const out = await call(
      "POST",
      "/v1/auth/logout",
      { refreshToken: user.refreshToken },
      {
        token: user.accessToken,
      },
    );
    expect(out.status).toBe(204);
    expect(await out.text()).toBe("");
    const dead = await callJson("POST", "/v1/auth/refresh", { refreshToken: user.refreshToken });
    expectError(dead, 401, "invalid_refresh_token");
    const alive = await callJson("POST", "/v1/auth/refresh", {
      refreshToken: other.body.refreshToken,
    });
    expect(alive.status).toBe(200);
  });

  it("without a token, ends every session of the user", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    const out = await call("POST", "/v1/auth/logout", undefined, { token: user.accessToken });
    expect(out.status).toBe(204);
    for (const refreshToken of [user.refreshToken, other.body.refreshToken]) {
      expectError(
        await callJson("POST", "/v1/auth/refresh", { refreshToken }),
        401,
        "invalid_refresh_token",
      );
    }
  });

  it("the session's access token is refused at once", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    const out = await call(
      "POST",
      "/v1/auth/logout",
      { refreshToken: user.refreshToken },
      { token: user.accessToken },
    );
    expect(out.status).toBe(204);
    for (const path of ["/v1/me", "/v1/me/wallet"]) {
      const dead = await callJson("GET", path, undefined, { token: user.accessToken });
      expectError(dead, 401, "unauthorized");
    }
    const alive = await callJson("GET", "/v1/me", undefined, { token: other.body.accessToken });
    expect(alive.status).toBe(200);
  });

  it("without a token, every access token of the user is refused at once", async () => {
    const user = await registerUser();
    const other = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    await call("POST", "/v1/auth/logout", undefined, { token: user.accessToken });
    for (const token of [user.accessToken, other.body.accessToken]) {
      expectError(await callJson("GET", "/v1/me", undefined, { token }), 401, "unauthorized");
    }
  });

  it("cannot end another user's session", async () => {
    const victim = await registerUser();
    const attacker = await registerUser();
    await call(
      "POST",
      "/v1/auth/logout",
      { refreshToken: victim.refreshToken },
      {
        token: attacker.accessToken,
      },
    );
    const still = await callJson("POST", "/v1/auth/refresh", { refreshToken: victim.refreshToken });
    expect(still.status).toBe(200);
  });
});

describe("access tokens — security", () => {
  const protectedRoutes = [
    ["GET", "/v1/me"],
    ["GET", "/v1/me/referrals"],
    ["GET", "/v1/me/wallet"],
    ["GET", "/v1/me/wallet/transactions"],
    ["GET", "/v1/me/redemptions"],
    ["POST", "/v1/me/redemptions"],
    ["GET", "/v1/me/stats"],
    ["GET", "/v1/me/invites"],
    ["POST", "/v1/me/invites"],
    ["GET", "/v1/admin/analytics"],
    ["POST", "/v1/auth/logout"],
  ] as const;

  async function forged(claims: Record<string, unknown>, secret: string, alg = "HS256") {
    return new SignJWT(claims)
      .setProtectedHeader({ alg })
      .setSubject("usr_someone")
      .setIssuer("https://api.test")
      .setAudience("referrals-api")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(secret));
  }

  it.each(protectedRoutes)("%s %s needs a token", async (method, path) => {
    expectError(await callJson(method, path), 401, "unauthorized");
    expectError(
      await callJson(method, path, undefined, { token: "not.a.jwt" }),
      401,
      "unauthorized",
    );
    const raw = await call(method, path, undefined, { headers: { Authorization: "Basic abc" } });
    expect(raw.status).toBe(401);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await forged(
      { sid: "ses_x", role: "admin" },
      "another secret of at least 32 bytes!!",
    );
    expectError(await callJson("GET", "/v1/me", undefined, { token }), 401, "unauthorized");
  });

  it("refuses an expired token and one for another audience", async () => {
    const key = new TextEncoder().encode(env.ACCESS_TOKEN_SECRET);
    const expired = await new SignJWT({ sid: "ses_x" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("usr_x")
      .setIssuer("https://api.test")
      .setAudience("referrals-api")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    expectError(
      await callJson("GET", "/v1/me", undefined, { token: expired }),
      401,
      "unauthorized",
    );
    const otherAudience = await new SignJWT({ sid: "ses_x" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("usr_x")
      .setIssuer("https://api.test")
      .setAudience("someone-else")
      .setExpirationTime("5m")
      .sign(key);
    expectError(
      await callJson("GET", "/v1/me", undefined, { token: otherAudience }),
      401,
      "unauthorized",
    );
  });

  it("refuses the 'none' algorithm", async () => {
    const header = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    const payload = btoa(
      JSON.stringify({
        sub: "usr_x",
        sid: "s",
        iss: "https://api.test",
        aud: "referrals-api",
        exp: 9e9,
      }),
    ).replace(/=+$/, "");
    const token = `${header}.${payload}.`;
    const response = await call("GET", "/v1/me", undefined, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
  });

  it("never returns the password hash or a token hash", async () => {
    const user = await registerUser();
    const responses = await Promise.all([
      call("GET", "/v1/me", undefined, { token: user.accessToken }),
      call("POST", "/v1/auth/login", { phone: user.phone, password: user.password }),
    ]);
    for (const response of responses) {
      const text = await response.text();
      expect(text).not.toMatch(/\$2[aby]\$/);
      expect(text).not.toMatch(/password|token_hash|tokenHash/i);
    }
  });
});
