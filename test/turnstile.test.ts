import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { challengeOutcome } from "../src/fraud/turnstile";
import worker from "../src/index";
import {
  BASE,
  expectError,
  INVITE_HOOK,
  registerUser,
  tableCounts,
  uniqueIp,
  uniquePhone,
} from "./harness";

/**
 * Cloudflare's documented test secrets (docs/configuration.md): they pass, fail, or say the
 * token was spent, whatever the token.
 */
const PASSES = "1x0000000000000000000000000000000AA";
const FAILS = "2x0000000000000000000000000000000AA";
const SPENT = "3x0000000000000000000000000000000AA";

/** The siteverify stand-in on loopback (TURNSTILE_SITEVERIFY_URL in these tests). */
const STAND_IN = "http://127.0.0.1:8799/turnstile/v0/siteverify";
/** Nothing listens here: siteverify unreachable. */
const NOBODY = "http://127.0.0.1:9/turnstile/v0/siteverify";

/** What the Worker asked siteverify, as Cloudflare documents the request. */
interface Siteverify {
  secret: string;
  response: string;
  remoteip?: string;
}

let verified: Siteverify[] = [];

/**
 * The stand-in answers like siteverify does for the test secrets; invite-webhook SMS are
 * answered 200 (password reset and verification codes go there in tests).
 */
beforeEach(() => {
  verified = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url === INVITE_HOOK) return new Response("", { status: 200 });
    if (request.url !== STAND_IN) return realFetch(input, init);
    const body = await request.json<Siteverify>();
    verified.push(body);
    const failure: Record<string, string> = {
      "2x": "invalid-input-response",
      "3x": "timeout-or-duplicate",
    };
    const prefix = String(body.secret).slice(0, 2);
    if (prefix === "1x") return Response.json({ success: true, "error-codes": [] });
    return Response.json({
      success: false,
      "error-codes": [failure[prefix] ?? "invalid-input-secret"],
    });
  });
});

afterEach(() => vi.restoreAllMocks());

/** A request to the Worker configured with Turnstile (`secret`, siteverify at `siteverify`). */
async function withTurnstile(
  method: string,
  path: string,
  options: {
    secret?: string;
    siteverify?: string;
    body?: unknown;
    headers?: Record<string, string>;
    ip?: string;
    environment?: string;
  } = {},
) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: {
        "CF-Connecting-IP": options.ip ?? uniqueIp(),
        ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
    {
      ...env,
      TURNSTILE_SECRET_KEY: options.secret ?? PASSES,
      TURNSTILE_SITEVERIFY_URL: options.siteverify ?? STAND_IN,
      // A deployment's bcrypt cost with its environment: refused for nothing else.
      ...(options.environment ? { ENVIRONMENT: options.environment, BCRYPT_COST: "10" } : {}),
    },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : null,
    headers: response.headers,
  };
}

const signup = () => ({
  name: "Sana Iqbal",
  phone: uniquePhone(),
  password: "correct horse battery",
});

describe("Turnstile on register", () => {
  it("a passed challenge signs up, and siteverify hears the token and the client's address", async () => {
    const ip = "203.0.113.7";
    const created = await withTurnstile("POST", "/v1/auth/register", {
      body: { ...signup(), turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
      ip,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(verified).toEqual([{ secret: PASSES, response: "XXXX.DUMMY.TOKEN.XXXX", remoteip: ip }]);
  });

  it("takes the token from the CF-Turnstile-Response header too", async () => {
    const created = await withTurnstile("POST", "/v1/auth/register", {
      body: signup(),
      headers: { "CF-Turnstile-Response": "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(verified.map((call) => call.response)).toEqual(["XXXX.DUMMY.TOKEN.XXXX"]);
  });

  it("without a token is 403 challenge_failed, asks siteverify nothing and creates nothing", async () => {
    const before = await tableCounts();
    const refused = await withTurnstile("POST", "/v1/auth/register", { body: signup() });
    expectError(refused, 403, "challenge_failed");
    expect(verified).toEqual([]);
    expect(await tableCounts()).toEqual(before);
  });

  it("a failed or spent token is 403 challenge_failed and creates nothing", async () => {
    const before = await tableCounts();
    for (const secret of [FAILS, SPENT]) {
      const refused = await withTurnstile("POST", "/v1/auth/register", {
        secret,
        body: { ...signup(), turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
      });
      expectError(refused, 403, "challenge_failed");
    }
    expect(verified).toHaveLength(2);
    expect(await tableCounts()).toEqual(before);
  });

  it("siteverify unreachable fails closed: 503 service_unavailable, a log line, nothing created", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const before = await tableCounts();
    const refused = await withTurnstile("POST", "/v1/auth/register", {
      siteverify: NOBODY,
      body: { ...signup(), turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expectError(refused, 503, "service_unavailable");
    expect(await tableCounts()).toEqual(before);
    expect(log.mock.calls.map((args) => String(args[0]))).toContainEqual(
      expect.stringMatching(
        /^\[turnstile\] the challenge could not be checked: siteverify is unreachable/,
      ),
    );
  });

  it("a secret siteverify refuses is our fault: 503 with a log line, not the visitor's 403", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = await withTurnstile("POST", "/v1/auth/register", {
      body: { ...signup(), turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
      secret: "0x-not-a-secret-siteverify-knows",
    });
    expectError(refused, 503, "service_unavailable");
    expect(String(log.mock.calls[0]?.[0])).toContain("invalid-input-secret");
    expect(challengeOutcome({ success: false, "error-codes": ["invalid-input-secret"] })).toBe(
      "unusable",
    );
    expect(challengeOutcome({ success: false, "error-codes": ["timeout-or-duplicate"] })).toBe(
      "failed",
    );
    expect(challengeOutcome({ success: "true" })).toBe("failed");
  });

  it("a too long token is 400 validation_error", async () => {
    const refused = await withTurnstile("POST", "/v1/auth/register", {
      body: { ...signup(), turnstileToken: "x".repeat(2049) },
    });
    expectError(refused, 400, "validation_error");
    expect(verified).toEqual([]);
  });
});

describe("Turnstile on SMS sends", () => {
  it("a password reset needs a passed challenge: 403 without, 202 with", async () => {
    const user = await registerUser();
    const missing = await withTurnstile("POST", "/v1/auth/password/reset", {
      body: { phone: user.phone },
    });
    expectError(missing, 403, "challenge_failed");
    const failed = await withTurnstile("POST", "/v1/auth/password/reset", {
      secret: FAILS,
      body: { phone: user.phone, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expectError(failed, 403, "challenge_failed");
    const sent = await withTurnstile("POST", "/v1/auth/password/reset", {
      body: { phone: user.phone, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  });

  it("a phone verification send needs a passed challenge, in the body or the header", async () => {
    const user = await registerUser();
    const auth = { Authorization: `Bearer ${user.accessToken}` };
    const missing = await withTurnstile("POST", "/v1/auth/phone/verification", {
      headers: auth,
    });
    expectError(missing, 403, "challenge_failed");
    const byHeader = await withTurnstile("POST", "/v1/auth/phone/verification", {
      headers: { ...auth, "CF-Turnstile-Response": "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expect(byHeader.status, JSON.stringify(byHeader.body)).toBe(202);
    const byBody = await withTurnstile("POST", "/v1/auth/phone/verification", {
      headers: auth,
      body: { turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expect(byBody.status, JSON.stringify(byBody.body)).toBe(202);
  });

  it("siteverify unreachable on a reset is 503 service_unavailable", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = await withTurnstile("POST", "/v1/auth/password/reset", {
      siteverify: NOBODY,
      body: { phone: uniquePhone(), turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" },
    });
    expectError(refused, 503, "service_unavailable");
  });
});

describe("the siteverify stand-in setting", () => {
  it("is refused outside development and test: every request is 503", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = await withTurnstile("GET", "/health", { environment: "production" });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: "service_unavailable" } });
  });

  it("without TURNSTILE_SECRET_KEY nothing asks for a challenge", async () => {
    await registerUser();
    expect(verified).toEqual([]);
  });
});
