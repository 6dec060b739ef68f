import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app";
import { errorStatus } from "../src/errors";
import worker from "../src/index";
import { BASE, call, callJson, countRows, expectError, uniqueIp, uniquePhone } from "./harness";

describe("HTTP conventions", () => {
  it("every response carries X-Request-Id, success or error", async () => {
    for (const path of ["/health", "/v1/rewards", "/v1/me", "/nope"]) {
      const response = await call("GET", path);
      expect(response.headers.get("X-Request-Id")).toMatch(/^[\w-]{8,}$/);
    }
  });

  it("GET /health answers ok", async () => {
    const { status, body } = await callJson("GET", "/health");
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ok" });
  });

  it("unknown routes get the not_found envelope", async () => {
    const response = await callJson("GET", "/v1/nothing-here");
    expectError(response, 404, "not_found");
    expect(response.body.error.message).toBe("No route GET /v1/nothing-here.");
  });

  it("malformed JSON is a 400 validation_error, not a 500", async () => {
    const response = await call("POST", "/v1/auth/register", undefined, {
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    const broken = await callRaw("/v1/auth/register", '{"name": "Ayesha", ');
    expectError(broken, 400, "validation_error");
  });

  it("a body of the wrong type is a validation error", async () => {
    const text = await callRaw("/v1/auth/login", "phone=+923001234567", "text/plain");
    expectError(text, 400, "validation_error");
    const array = await callRaw("/v1/auth/login", "[1, 2]");
    expectError(array, 400, "validation_error");
  });

  it("sends secure headers", async () => {
    const response = await call("GET", "/health");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
    expect(response.headers.get("Strict-Transport-Security")).toContain("max-age");
  });

  it("allows CORS for configured origins only", async () => {
    const allowed = await call("OPTIONS", "/v1/me", undefined, {
      headers: {
        Origin: "https://app.test",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.test");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain(
      "authorization",
    );
    const denied = await call("GET", "/health", undefined, {
      headers: { Origin: "https://evil.test" },
    });
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("lets a browser read the headers the API sends for it", async () => {
    const response = await call("GET", "/health", undefined, {
      headers: { Origin: "https://app.test" },
    });
    const exposed = response.headers.get("Access-Control-Expose-Headers")?.toLowerCase();
    for (const header of ["X-Request-Id", "Retry-After", "Idempotent-Replayed", "X-D1-Bookmark"]) {
      expect(exposed?.split(/,\s*/)).toContain(header.toLowerCase());
    }
  });
});

async function callRaw(path: string, body: string, contentType = "application/json") {
  const raw = await exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "Content-Type": contentType, "CF-Connecting-IP": "2001:db8::1" },
    body,
  });
  return {
    status: raw.status,
    body: await raw.json<Record<string, unknown>>(),
    headers: raw.headers,
  };
}

describe("OpenAPI and docs", () => {
  it("serves an OpenAPI 3.1 document of every route", async () => {
    const { status, body } = await callJson("GET", "/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths).sort()).toEqual([
      "/.well-known/apple-app-site-association",
      "/.well-known/assetlinks.json",
      "/health",
      "/r/{code}",
      "/referrals.js",
      "/v1/admin/analytics",
      "/v1/admin/api-keys",
      "/v1/admin/api-keys/{id}",
      "/v1/admin/audit-log",
      "/v1/admin/blocklist",
      "/v1/admin/blocklist/{id}",
      "/v1/admin/campaigns",
      "/v1/admin/campaigns/{id}",
      "/v1/admin/imports",
      "/v1/admin/link-settings",
      "/v1/admin/messages",
      "/v1/admin/messages/{kind}/{locale}",
      "/v1/admin/program",
      "/v1/admin/program/simulations",
      "/v1/admin/program/versions",
      "/v1/admin/redemptions/{id}/void",
      "/v1/admin/referrals",
      "/v1/admin/referrals/{id}/approve",
      "/v1/admin/referrals/{id}/reject",
      "/v1/admin/rewards",
      "/v1/admin/rewards/{id}",
      "/v1/admin/users",
      "/v1/admin/users/{id}",
      "/v1/admin/users/{id}/adjustments",
      "/v1/admin/webhooks",
      "/v1/admin/webhooks/{id}",
      "/v1/admin/webhooks/{id}/deliveries",
      "/v1/admin/webhooks/{id}/deliveries/{deliveryId}/retry",
      "/v1/admin/webhooks/{id}/rotate-secret",
      "/v1/admin/webhooks/{id}/test",
      "/v1/auth/login",
      "/v1/auth/logout",
      "/v1/auth/password",
      "/v1/auth/password/reset",
      "/v1/auth/password/reset/confirm",
      "/v1/auth/phone/verification",
      "/v1/auth/phone/verification/check",
      "/v1/auth/refresh",
      "/v1/auth/register",
      "/v1/coupons/{code}",
      "/v1/coupons/{code}/release",
      "/v1/coupons/{code}/use",
      "/v1/embed-tokens",
      "/v1/events",
      "/v1/leaderboard",
      "/v1/me",
      "/v1/me/export",
      "/v1/me/invites",
      "/v1/me/redemptions",
      "/v1/me/referral-code",
      "/v1/me/referrals",
      "/v1/me/share",
      "/v1/me/stats",
      "/v1/me/unlocks",
      "/v1/me/wallet",
      "/v1/me/wallet/transactions",
      "/v1/referral-codes/{code}",
      "/v1/rewards",
      "/v1/users",
      "/v1/users/{id}",
      "/v1/users/{id}/checkout",
      "/v1/users/{id}/unlocks",
      "/v1/users/{id}/wallet/spend",
      "/v1/users/{id}/wallet/spend/{spendId}/refund",
    ]);
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
  });

  it("documents the error codes each route answers, from the same table the handler uses", async () => {
    const { body } = await callJson("GET", "/openapi.json");
    const redeem = body.paths["/v1/me/redemptions"].post.responses;
    expect(redeem["422"].description).toBe("insufficient_points, idempotency_key_reused");
    expect(redeem["409"].description).toBe("unlock_already_granted, idempotency_in_progress");
    expect(body.components.schemas.Error.properties.error.properties.code.enum.sort()).toEqual(
      Object.keys(errorStatus).sort(),
    );
  });

  it("serves an interactive reference at /docs from its own assets, never a CDN", async () => {
    const response = await call("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const policy = response.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).toContain('data-url="/openapi.json"');
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/assets/scalar/api-reference-1.76.0.js"]);
    // Under /assets/ the asset store answers before the Worker (run_worker_first).
    const bundle = await env.ASSETS.fetch(new Request(`${BASE}${scripts[0]}`));
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });
});

describe("configuration fails closed", () => {
  /** `env` with `overrides`; a deployment's bcrypt cost, unless the test names one. */
  async function fetchWith(overrides: Record<string, string | undefined>) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}/v1/rewards`),
      { ...env, BCRYPT_COST: "10", ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  it("refuses to serve without an access-token secret, in any environment", async () => {
    for (const ENVIRONMENT of ["production", "development"]) {
      const response = await fetchWith({ ACCESS_TOKEN_SECRET: undefined, ENVIRONMENT });
      expect(response.status).toBe(503);
      const body = await response.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe("service_unavailable");
      expect(body.error.message).not.toContain("ACCESS_TOKEN_SECRET");
    }
  });

  it("refuses a weak secret", async () => {
    const response = await fetchWith({ ACCESS_TOKEN_SECRET: "short", ENVIRONMENT: "production" });
    expect(response.status).toBe(503);
  });

  it("refuses to serve invites into the log outside development and test", async () => {
    for (const ENVIRONMENT of ["production", "staging"]) {
      for (const INVITE_SENDER of [undefined, "", "log"]) {
        const response = await fetchWith({ ENVIRONMENT, INVITE_SENDER });
        expect(response.status, `${ENVIRONMENT} ${INVITE_SENDER}`).toBe(503);
        const body = await response.json<{ error: { code: string; message: string } }>();
        expect(body.error.code).toBe("service_unavailable");
      }
    }
    for (const ENVIRONMENT of ["development", "test"]) {
      expect((await fetchWith({ ENVIRONMENT, INVITE_SENDER: "log" })).status).toBe(200);
    }
  });

  it("refuses a bcrypt cost below 10 outside development and test", async () => {
    for (const ENVIRONMENT of ["production", "staging"]) {
      for (const BCRYPT_COST of ["4", "9"]) {
        const response = await fetchWith({ ENVIRONMENT, BCRYPT_COST });
        expect(response.status, `${ENVIRONMENT} ${BCRYPT_COST}`).toBe(503);
        const body = await response.json<{ error: { code: string; message: string } }>();
        expect(body.error.code).toBe("service_unavailable");
      }
    }
    // Tests and benchmarks hash at cost 4, so hundreds of signups stay fast.
    for (const ENVIRONMENT of ["development", "test"]) {
      expect((await fetchWith({ ENVIRONMENT, BCRYPT_COST: "4" })).status).toBe(200);
    }
  });

  it("serves with a complete configuration", async () => {
    expect((await fetchWith({ ENVIRONMENT: "production" })).status).toBe(200);
  });
});

describe("D1 read replication (Sessions API)", () => {
  it("answers with a bookmark, and accepts one back for read-your-writes", async () => {
    const first = await call("GET", "/v1/rewards");
    const bookmark = first.headers.get("X-D1-Bookmark");
    expect(bookmark).toMatch(/^[0-9a-f-]+$/);
    const again = await call("GET", "/v1/rewards", undefined, {
      headers: { "X-D1-Bookmark": bookmark ?? "" },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get("X-D1-Bookmark")).toBeTruthy();
  });

  it("ignores a bookmark that D1 did not make", async () => {
    const response = await call("GET", "/v1/rewards", undefined, {
      headers: { "X-D1-Bookmark": "'; drop table users" },
    });
    expect(response.status).toBe(200);
  });
});

describe("request body limit", () => {
  /** A valid signup padded past 64 KiB: without the limit it would be created. */
  function oversizedSignup() {
    return JSON.stringify({
      name: "Big Body",
      phone: uniquePhone(),
      password: "correct horse battery",
      padding: "x".repeat(MAX_BODY_BYTES),
    });
  }

  async function expectTooLarge(response: Response) {
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body).toEqual({
      error: {
        code: "payload_too_large",
        message: "The request body is larger than 64 KiB.",
        requestId: response.headers.get("X-Request-Id"),
      },
    });
  }

  it("refuses a declared body over 64 KiB with 413 and creates nothing", async () => {
    const users = await countRows("users");
    const body = oversizedSignup();
    const response = await exports.default.fetch(`${BASE}/v1/auth/register`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Content-Length": String(body.length),
        "CF-Connecting-IP": uniqueIp(),
      },
      body,
    });
    await expectTooLarge(response);
    expect(await countRows("users")).toBe(users);
  });

  it("refuses a streamed body without a length once it passes 64 KiB", async () => {
    const users = await countRows("users");
    const bytes = new TextEncoder().encode(oversizedSignup());
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 4096) {
          controller.enqueue(bytes.slice(at, at + 4096));
        }
        controller.close();
      },
    });
    const response = await exports.default.fetch(`${BASE}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": uniqueIp() },
      body: stream,
    });
    await expectTooLarge(response);
    expect(await countRows("users")).toBe(users);
  });

  it("accepts a streamed body under the limit", async () => {
    const body = JSON.stringify({
      name: "Small Body",
      phone: uniquePhone(),
      password: "correct horse battery",
    });
    const stream = new Blob([body]).stream();
    const response = await exports.default.fetch(`${BASE}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": uniqueIp() },
      body: stream,
    });
    expect(response.status).toBe(201);
    await response.body?.cancel();
  });
});
