/** The portal's and the console's session rules: pure functions, run in Node. */
import { describe, expect, it } from "vitest";
import { sessionSource, storedSession, tokenSession } from "../web/src/shared/session-rules";

const now = Date.UTC(2026, 11, 5, 12, 0, 0);
/** A token shaped like the API's access tokens; only its `exp` is read. */
const tokenExpiringAt = (ms: number) =>
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: "usr_1", exp: ms / 1000 })).toString("base64url")}.signature`;

describe("which session a page uses", () => {
  it("uses the fragment's token in a frame, in memory, with no refresh token", () => {
    const token = tokenExpiringAt(now + 3_600_000);
    expect(sessionSource({ framed: true, fragmentToken: token, now })).toEqual({
      kind: "embedded",
      session: { accessToken: token, refreshToken: null, expiresAt: now + 3_600_000 },
    });
  });

  it("ignores a fragment token on a page opened on its own: the stored session stays", () => {
    const token = tokenExpiringAt(now + 3_600_000);
    expect(sessionSource({ framed: false, fragmentToken: token, now })).toEqual({ kind: "stored" });
    expect(sessionSource({ framed: false, fragmentToken: null, now })).toEqual({ kind: "stored" });
  });

  it("gives a frame without a usable token no session at all, never the stored one", () => {
    for (const fragmentToken of [null, "", "not-a-token", tokenExpiringAt(now), "a.b%%%.c"]) {
      expect(sessionSource({ framed: true, fragmentToken, now })).toEqual({
        kind: "embedded",
        session: null,
      });
    }
  });

  it("reads a token's expiry from its payload, and refuses one without it", () => {
    expect(tokenSession(tokenExpiringAt(now + 1000), now)?.expiresAt).toBe(now + 1000);
    const noExp = `x.${Buffer.from(JSON.stringify({ sub: "usr_1" })).toString("base64url")}.y`;
    expect(tokenSession(noExp, now)).toBeNull();
  });
});

describe("a stored session", () => {
  it("is read back as written by a log-in", () => {
    const session = { accessToken: "a", refreshToken: "r", expiresAt: now };
    expect(storedSession(JSON.stringify(session))).toEqual(session);
  });

  it("is dropped without a refresh token (planted by an earlier portal's #token= link) or when malformed", () => {
    for (const raw of [
      JSON.stringify({ accessToken: "a", refreshToken: null, expiresAt: now }),
      JSON.stringify({ accessToken: "a", expiresAt: now }),
      "null",
      "{",
      "",
      null,
    ]) {
      expect(storedSession(raw)).toBeNull();
    }
  });
});
