/**
 * Embed tokens show the portal; they do not own the account. An embed token reads, shares,
 * invites, redeems and renames, but it cannot change the password, erase the account or
 * end the user's other sessions, and none is issued for an admin.
 */
import { describe, expect, it } from "vitest";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  registerUser,
  serverKey,
  type TestUser,
  walletBalance,
} from "./harness";

async function embedTokenFor(user: { id: string }): Promise<string> {
  const key = await serverKey(["embed"]);
  const issued = await api.POST("/v1/embed-tokens", {
    body: { userId: user.id },
    token: key.secret,
  });
  expectStatus(issued, 201);
  return issued.body.token;
}

/** Whether the user's own login session (its access and refresh tokens) is still live. */
async function expectOwnSessionLive(user: TestUser) {
  const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
  expect(me.status, JSON.stringify(me.body)).toBe(200);
  const refreshed = await callJson("POST", "/v1/auth/refresh", {
    refreshToken: user.refreshToken,
  });
  expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
}

describe("embed tokens do not own the account", () => {
  it("cannot change the password: 403, and the password stays", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    expectError(
      await callJson(
        "POST",
        "/v1/auth/password",
        { currentPassword: user.password, newPassword: "taken over by a page" },
        { token: embed },
      ),
      403,
      "forbidden",
    );
    const login = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    expect(login.status).toBe(200);
    await expectOwnSessionLive(user);
  });

  it("cannot erase the account, even with the right password", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    expectError(
      await callJson("DELETE", "/v1/me", { password: user.password }, { token: embed }),
      403,
      "forbidden",
    );
    const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
    expect(me.body).toMatchObject({ id: user.id, name: user.name, phone: user.phone });
  });

  it("refuses before any password is checked: wrong guesses are not even counted", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    for (let i = 0; i < 8; i++) {
      expectError(
        await callJson("DELETE", "/v1/me", { password: `guess ${i}` }, { token: embed }),
        403,
        "forbidden",
      );
    }
    const login = await callJson("POST", "/v1/auth/login", {
      phone: user.phone,
      password: user.password,
    });
    expect(login.status).toBe(200);
  });

  it("its logout without a body ends only its own session", async () => {
    const user = await registerUser();
    const [embed, other] = [await embedTokenFor(user), await embedTokenFor(user)];
    const out = await callJson("POST", "/v1/auth/logout", undefined, { token: embed });
    expect(out.status).toBe(204);
    expectError(await callJson("GET", "/v1/me", undefined, { token: embed }), 401, "unauthorized");
    expect((await callJson("GET", "/v1/me", undefined, { token: other })).status).toBe(200);
    await expectOwnSessionLive(user);
  });

  it("its logout with the user's refresh token still ends only its own session", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    const out = await callJson(
      "POST",
      "/v1/auth/logout",
      { refreshToken: user.refreshToken },
      { token: embed },
    );
    expect(out.status).toBe(204);
    expectError(await callJson("GET", "/v1/me", undefined, { token: embed }), 401, "unauthorized");
    await expectOwnSessionLive(user);
  });

  it("its logout with another user's refresh token ends nothing of theirs", async () => {
    const [user, stranger] = await Promise.all([registerUser(), registerUser()]);
    const embed = await embedTokenFor(user);
    const out = await callJson(
      "POST",
      "/v1/auth/logout",
      { refreshToken: stranger.refreshToken },
      { token: embed },
    );
    expect(out.status).toBe(204);
    await expectOwnSessionLive(stranger);
  });

  it("is not issued for an admin", async () => {
    const admin = await adminUser();
    const key = await serverKey(["embed"]);
    expectError(
      await callJson("POST", "/v1/embed-tokens", { userId: admin.id }, { token: key.secret }),
      403,
      "forbidden",
    );
  });

  it("still reads, renames and asks for a phone verification code", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    expect(await walletBalance(embed)).toBe(0);
    const renamed = await api.PATCH("/v1/me", { body: { name: "Sana Malik" }, token: embed });
    expectStatus(renamed, 200);
    expect(renamed.body.name).toBe("Sana Malik");
    const verification = await callJson("POST", "/v1/auth/phone/verification", undefined, {
      token: embed,
    });
    expect(verification.status).toBe(202);
  });
});

describe("the user's own tokens", () => {
  it("still change the password and log out everywhere", async () => {
    const user = await registerUser();
    const embed = await embedTokenFor(user);
    const changed = await callJson(
      "POST",
      "/v1/auth/password",
      { currentPassword: user.password, newPassword: "a brand new secret" },
      { token: user.accessToken },
    );
    expect(changed.status).toBe(204);
    // A password change ends every other session, the embed's too.
    expectError(await callJson("GET", "/v1/me", undefined, { token: embed }), 401, "unauthorized");
    const out = await callJson("POST", "/v1/auth/logout", undefined, { token: user.accessToken });
    expect(out.status).toBe(204);
    expectError(
      await callJson("GET", "/v1/me", undefined, { token: user.accessToken }),
      401,
      "unauthorized",
    );
  });
});

describe("embed-token rules in OpenAPI", () => {
  it("document 403 on password change, erase and embed tokens", async () => {
    const { body } = await callJson("GET", "/openapi.json");
    const forbidden = { responses: { "403": { description: "forbidden" } } };
    expect(body).toMatchObject({
      paths: {
        "/v1/auth/password": { post: forbidden },
        "/v1/me": { delete: forbidden },
        "/v1/embed-tokens": { post: forbidden },
      },
    });
  });
});
