import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb, meteredD1 } from "../src/db/client";
import worker from "../src/index";
import { newRequestMetrics } from "../src/platform/metrics";
import { newOutbox, retryDelayMs } from "../src/platform/outbox";
import { webhookEventStatements } from "../src/webhooks/outbox";
import {
  attemptOutcome,
  attemptsAfter,
  claimLockMs,
  DELIVERIES_PER_CLAIM,
  DELIVERY_LOCK_MS,
  DELIVERY_TIMEOUT_MS,
  deliveryBody,
  endpointUrlProblem,
  failedAttempt,
  newWebhookSecret,
  referralEventData,
  referralStatusEvent,
  rewardRedeemedData,
  WEBHOOK_RETRIES,
  webhookSignature,
} from "../src/webhooks/rules";
import { deliverWebhook, sendEmittedWebhooks } from "../src/webhooks/service";
import {
  adminUser,
  api,
  BASE,
  type CallOptions,
  callAndSettle,
  callJson,
  countRows,
  expectError,
  expectStatus,
  type Json,
  present,
  referrerWith,
  registerUser,
  type TestUser,
  uniqueIp,
  uniquePhone,
  withProgramChange,
} from "./harness";

const RECEIVER = "https://receiver.test";
const HOUR = 3_600_000;

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
  redirect: string;
  json: Json;
}

type Answer = number | "reset" | "hang";

/**
 * A webhook receiver, by intercepting outbound fetches to RECEIVER (calls elsewhere are
 * answered 200 and not recorded). It answers with `answers` in turn, the last one repeated:
 * a status, a connection reset, or a hang that lasts until `release()` resets it.
 */
function receiver(answers: Answer[] = [200]) {
  const calls: Received[] = [];
  const hanging: (() => void)[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(RECEIVER)) return new Response("", { status: 200 });
    const body = await request.text();
    calls.push({
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body,
      redirect: request.redirect,
      json: JSON.parse(body),
    });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)] ?? 200;
    if (answer === "reset") throw new TypeError("Network connection lost.");
    if (answer === "hang") {
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        hanging.push(() => reject(new TypeError("Network connection lost.")));
      });
    }
    const headers: Record<string, string> =
      answer >= 300 && answer < 400 ? { Location: `${RECEIVER}/elsewhere` } : {};
    return new Response(answer < 300 ? "ok" : "no", { status: answer, headers });
  });
  return {
    calls,
    release: () => {
      for (const reset of hanging.splice(0)) reset();
    },
    ofType: (type: string) => calls.filter((call) => call.json.type === type),
  };
}

afterEach(async () => {
  vi.restoreAllMocks();
  // Endpoints of one test must not receive the events of the next (deliveries go with them).
  await env.DB.prepare("delete from webhook_endpoints").run();
});

// Signed in once: signing in for every test would meet the sign-in rate limit.
let signedInAdmin: Promise<TestUser> | undefined;
function admin() {
  signedInAdmin ??= adminUser();
  return signedInAdmin;
}

async function subscribe(events: string[] = ["*"], path = "/hook") {
  const boss = await admin();
  const created = await callJson(
    "POST",
    "/v1/admin/webhooks",
    { url: `${RECEIVER}${path}`, events },
    { token: boss.accessToken },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return {
    id: created.body.webhook.id as string,
    secret: created.body.secret as string,
    admin: boss,
  };
}

/** Through the Worker, waiting for what it does after the response (the first attempt). */
async function settled(method: string, path: string, options: CallOptions & { body?: unknown }) {
  const response = await callAndSettle(method, path, options);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function signUp(body: Record<string, unknown>) {
  return settled("POST", "/v1/auth/register", {
    body: { name: "Sana Malik", phone: uniquePhone(), password: "correct horse battery", ...body },
  });
}

function verify(secret: string, call: Received) {
  return new Webhook(secret).verify(call.body, call.headers);
}

async function runCron(cron: string, at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const runRetryJob = (at: number) => runCron("* * * * *", at);

/** The endpoint as the admin's list shows it. */
async function endpointOf(hook: { id: string; admin: TestUser }) {
  const list = await api.GET("/v1/admin/webhooks", { token: hook.admin.accessToken });
  expectStatus(list, 200);
  return list.body.data.find((endpoint) => endpoint.id === hook.id);
}

async function deliveriesOf(hook: { id: string; admin: TestUser }) {
  const list = await api.GET("/v1/admin/webhooks/{id}/deliveries", {
    path: { id: hook.id },
    token: hook.admin.accessToken,
  });
  expectStatus(list, 200);
  return list.body.data;
}

function sendTest(hook: { id: string; admin: TestUser }) {
  return settled("POST", `/v1/admin/webhooks/${hook.id}/test`, { token: hook.admin.accessToken });
}

describe("webhook rules", () => {
  it("a claim holds its deliveries until every one could have timed out in turn", () => {
    expect(claimLockMs(1)).toBe(DELIVERY_LOCK_MS);
    expect(claimLockMs(DELIVERIES_PER_CLAIM)).toBeGreaterThan(
      DELIVERIES_PER_CLAIM * DELIVERY_TIMEOUT_MS,
    );
  });

  it("retries with exponential backoff for more than a day, then gives up", () => {
    const delays = Array.from({ length: 20 }, (_, i) => retryDelayMs(i + 1, WEBHOOK_RETRIES));
    const waits = delays.filter((delay) => delay !== null);
    expect(waits.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(waits.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(24 * HOUR);
    expect(Math.max(...waits)).toBe(6 * HOUR);
    expect(delays[WEBHOOK_RETRIES.maxAttempts - 1]).toBeNull();
  });

  it("a failed attempt never takes attempts past the limit, and only the one that reaches it counts", () => {
    const last = WEBHOOK_RETRIES.maxAttempts;
    const now = 1_000_000;
    expect(failedAttempt(0, now)).toEqual({
      attempts: 1,
      nextAttemptAt: now + 60_000,
      countsAsFailure: false,
    });
    expect(failedAttempt(last - 1, now)).toEqual({
      attempts: last,
      nextAttemptAt: null,
      countsAsFailure: true,
    });
    for (const before of [last, last + 5]) {
      expect(failedAttempt(before, now)).toEqual({
        attempts: last,
        nextAttemptAt: null,
        countsAsFailure: false,
      });
    }
    expect(attemptsAfter(last)).toBe(last);
    expect(attemptsAfter(3)).toBe(4);
  });

  it("accepts https endpoints, and plain http only to this machine while developing", () => {
    expect(endpointUrlProblem("https://example.com/hook", "production")).toBeNull();
    expect(endpointUrlProblem("http://localhost:3000/hook", "development")).toBeNull();
    expect(endpointUrlProblem("http://127.0.0.1:9000/hook", "test")).toBeNull();
    expect(endpointUrlProblem("http://localhost:3000/hook", "production")).toMatch(/https/);
    expect(endpointUrlProblem("http://example.com/hook", "test")).toMatch(/https/);
    expect(endpointUrlProblem("ftp://example.com/hook", "test")).toMatch(/https/);
    expect(endpointUrlProblem("not a url", "test")).toMatch(/URL/);
  });

  it("outside development and test, refuses endpoints on this machine, a private network or with credentials", () => {
    const refused = [
      // Loopback, in the spellings `new URL` turns into 127.0.0.1.
      "https://127.0.0.1/hook",
      "https://127.1.2.3/hook",
      "https://0x7f.1/hook",
      "https://2130706433/hook",
      "https://0177.0.0.1/hook",
      "https://localhost/hook",
      "https://LOCALHOST./hook",
      "https://api.localhost/hook",
      "https://[::1]/hook",
      // Private, shared (CGNAT), link-local (cloud metadata) and unspecified.
      "https://10.0.0.5/hook",
      "https://172.16.0.1/hook",
      "https://172.31.255.255/hook",
      "https://192.168.1.1/hook",
      "https://100.64.0.1/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://0.0.0.0/hook",
      "https://0/hook",
      "https://[::]/hook",
      "https://[fc00::1]/hook",
      "https://[fd12:3456::1]/hook",
      "https://[fe80::1]/hook",
      "https://[febf::1]/hook",
      // Those again inside IPv6: mapped, compatible, NAT64.
      "https://[::ffff:127.0.0.1]/hook",
      "https://[::ffff:a9fe:a9fe]/hook",
      "https://[::ffff:10.1.2.3]/hook",
      "https://[::127.0.0.1]/hook",
      "https://[64:ff9b::192.168.0.1]/hook",
    ];
    for (const url of refused) {
      expect(endpointUrlProblem(url, "production"), url).toMatch(
        /loopback, private, link-local or unspecified/,
      );
      expect(endpointUrlProblem(url, "staging"), url).not.toBeNull();
    }
    for (const url of ["https://user:pass@example.com/hook", "https://token@example.com/hook"]) {
      expect(endpointUrlProblem(url, "production"), url).toMatch(/user name or password/);
      expect(endpointUrlProblem(url, "test"), url).toMatch(/user name or password/);
    }
    for (const url of [
      "https://example.com/hook",
      "https://93.184.216.34/hook",
      "https://172.32.0.1/hook",
      "https://100.128.0.1/hook",
      "https://[2606:4700::1111]/hook",
      "https://[::ffff:93.184.216.34]/hook",
      "https://localhost.example.com/hook",
      "https://fc00.example.com/hook",
    ]) {
      expect(endpointUrlProblem(url, "production"), url).toBeNull();
    }
    // While developing and testing, a receiver on this machine is what one tests with.
    expect(endpointUrlProblem("https://127.0.0.1:8443/hook", "test")).toBeNull();
    expect(endpointUrlProblem("https://localhost/hook", "development")).toBeNull();
  });

  it("signs exactly as the standardwebhooks library does", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body =
      '{"id":"evt_1","type":"webhook.test","timestamp":"2026-11-26T00:00:00.000Z","data":{}}';
    const timestamp = 1_790_000_000;
    expect(await webhookSignature(secret, { id: "evt_1", timestamp, body })).toBe(
      new Webhook(secret).sign("evt_1", new Date(timestamp * 1000), body),
    );
  });

  it("builds the delivery body from the stored event", () => {
    expect(
      JSON.parse(
        deliveryBody({ id: "evt_1", type: "points.expired", createdAt: 0, data: '{"points":5}' }),
      ),
    ).toEqual({
      id: "evt_1",
      type: "points.expired",
      timestamp: "1970-01-01T00:00:00.000Z",
      data: { points: 5 },
    });
  });

  it("counts any 2xx as delivered; redirects, errors and timeouts as failed", () => {
    expect(attemptOutcome({ status: 204 })).toEqual({ delivered: true, statusCode: 204 });
    expect(attemptOutcome({ status: 301 })).toMatchObject({ delivered: false, statusCode: 301 });
    expect(attemptOutcome({ status: 500 })).toMatchObject({ delivered: false, statusCode: 500 });
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    expect(attemptOutcome({ error: timeout })).toMatchObject({
      delivered: false,
      statusCode: null,
      error: expect.stringMatching(/No answer within 10 s/),
    });
  });

  it("describes referrals and redemptions in the contract's shapes", () => {
    const referral = {
      id: "ref_1",
      referrerId: "usr_1",
      refereeId: "usr_2",
      status: "held" as const,
      source: "sms",
      referrerPoints: 50,
      refereePoints: 20,
      createdAt: 0,
    };
    expect(referralEventData(referral)).toEqual({
      referral: { ...referral, createdAt: "1970-01-01T00:00:00.000Z" },
    });
    expect(referralStatusEvent("held")).toBe("referral.held");
    expect(referralStatusEvent("pending")).toBeNull();
    const redemption = {
      id: "rdm_1",
      userId: "usr_1",
      reward: {
        id: "rwd_discount_10",
        name: "10% discount",
        kind: "coupon" as const,
        discount: { type: "percent" as const, percent: 10 },
      },
      cost: 100,
      couponCode: "K7QM-2XRP-9HTB-C4WD",
      createdAt: 0,
    };
    expect(rewardRedeemedData(redemption)).toEqual({
      redemption: {
        id: "rdm_1",
        userId: "usr_1",
        rewardId: "rwd_discount_10",
        cost: 100,
        couponCode: "K7QM-2XRP-9HTB-C4WD",
        createdAt: "1970-01-01T00:00:00.000Z",
      },
      coupon: {
        code: "K7QM-2XRP-9HTB-C4WD",
        status: "issued",
        reward: redemption.reward,
        userId: "usr_1",
        redemptionId: "rdm_1",
        issuedAt: "1970-01-01T00:00:00.000Z",
        usedAt: null,
        orderId: null,
      },
    });
    expect(rewardRedeemedData({ ...redemption, couponCode: null }).coupon).toBeNull();
  });
});

describe("admin webhook endpoints", () => {
  it("subscribes an endpoint, shows its secret once, and audits every change", async () => {
    const boss = await admin();
    const auditBefore = await countRows("audit_log");
    const created = await callJson(
      "POST",
      "/v1/admin/webhooks",
      { url: `${RECEIVER}/crm`, events: ["referral.qualified"], description: "CRM" },
      { token: boss.accessToken },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      webhook: {
        id: expect.stringMatching(/^whk_/),
        url: `${RECEIVER}/crm`,
        events: ["referral.qualified"],
        description: "CRM",
        active: true,
        consecutiveFailures: 0,
        createdAt: expect.any(String),
      },
      secret: expect.stringMatching(/^whsec_/),
    });
    const key = atob(created.body.secret.slice("whsec_".length));
    expect(key.length).toBeGreaterThanOrEqual(24);
    const id = created.body.webhook.id;
    const auth = { token: boss.accessToken };

    const list = await callJson("GET", "/v1/admin/webhooks", undefined, auth);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [created.body.webhook], nextCursor: null });
    expect(JSON.stringify(list.body)).not.toContain("whsec_");

    const changed = await callJson(
      "PATCH",
      `/v1/admin/webhooks/${id}`,
      { events: ["*"], active: false, url: "http://localhost:4000/hook" },
      auth,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ events: ["*"], active: false, description: "CRM" });

    const unchanged = await callJson("PATCH", `/v1/admin/webhooks/${id}`, {}, auth);
    expect(unchanged.body).toEqual(changed.body);

    const rotated = await callJson("POST", `/v1/admin/webhooks/${id}/rotate-secret`, {}, auth);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    expect((await callJson("DELETE", `/v1/admin/webhooks/${id}`, undefined, auth)).status).toBe(
      204,
    );
    expectError(
      await callJson("GET", `/v1/admin/webhooks/${id}/deliveries`, undefined, auth),
      404,
      "not_found",
    );
    const actions = await env.DB.prepare(
      "select action from audit_log where target_id = ? order by id",
    )
      .bind(id)
      .all<{ action: string }>();
    expect(actions.results.map((row) => row.action)).toEqual([
      "webhook.create",
      "webhook.update",
      "webhook.rotate_secret",
      "webhook.delete",
    ]);
    expect(await countRows("audit_log")).toBe(auditBefore + 4);
  });

  it("refuses endpoints that are not https, unknown event types, and non-admins", async () => {
    const boss = await admin();
    const before = await countRows("webhook_endpoints");
    for (const body of [
      { url: "ftp://example.com/hook", events: ["*"] },
      { url: "http://example.com/hook", events: ["*"] },
      { url: "not a url", events: ["*"] },
      { url: `${RECEIVER}/hook`, events: ["referral.exploded"] },
      { url: `${RECEIVER}/hook`, events: [] },
    ]) {
      expectError(
        await callJson("POST", "/v1/admin/webhooks", body, { token: boss.accessToken }),
        400,
        "validation_error",
      );
    }
    const user = await registerUser();
    expectError(
      await callJson(
        "POST",
        "/v1/admin/webhooks",
        { url: `${RECEIVER}/hook`, events: ["*"] },
        { token: user.accessToken },
      ),
      403,
      "forbidden",
    );
    expect(await countRows("webhook_endpoints")).toBe(before);
  });
});

describe("endpoint URLs in production", () => {
  /** The Worker configured as deployed: production, with a real invite sender. */
  async function asProduction(method: string, path: string, body: unknown, token: string) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${token}`,
          "CF-Connecting-IP": uniqueIp(),
        },
        body: JSON.stringify(body),
      }),
      {
        ...env,
        ENVIRONMENT: "production",
        BCRYPT_COST: "10",
        INVITE_SENDER: "webhook",
        INVITE_WEBHOOK_URL: "https://invites.example.com/send",
        INVITE_WEBHOOK_SECRET: "a-secret-long-enough-for-the-invite-sender",
      },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: response.status, body: (await response.json()) as Json };
  }

  it("refuses to create or move an endpoint to a private address or with credentials, and changes nothing", async () => {
    const boss = await admin();
    const before = await countRows("webhook_endpoints");
    for (const url of [
      "http://localhost:3000/hook",
      "https://127.0.0.1/hook",
      "https://0x7f000001/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::ffff:10.0.0.1]/hook",
      "https://api.localhost/hook",
      "https://user:pass@example.com/hook",
    ]) {
      const created = await asProduction(
        "POST",
        "/v1/admin/webhooks",
        { url, events: ["*"] },
        boss.accessToken,
      );
      expect(created.status, url).toBe(400);
      expect(created.body.error).toMatchObject({
        code: "validation_error",
        details: [{ path: "url", message: expect.any(String) }],
      });
    }
    expect(await countRows("webhook_endpoints")).toBe(before);

    const created = await asProduction(
      "POST",
      "/v1/admin/webhooks",
      { url: "https://example.com/hook", events: ["*"] },
      boss.accessToken,
    );
    expect(created.status).toBe(201);
    const moved = await asProduction(
      "PATCH",
      `/v1/admin/webhooks/${created.body.webhook.id}`,
      { url: "https://10.0.0.7/hook" },
      boss.accessToken,
    );
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe("validation_error");
    const [stored] = await env.DB.prepare("select url from webhook_endpoints where id = ?")
      .bind(created.body.webhook.id)
      .raw();
    expect(stored).toEqual(["https://example.com/hook"]);
  });
});

describe("events from real flows", () => {
  it("a signup with a code sends user.created, referral.created and referral.qualified, signed", async () => {
    const referrer = await registerUser({ name: "Bilal Ahmed" });
    const hook = await subscribe(["*"]);
    const rx = receiver();
    const signup = await signUp({ referralCode: referrer.referralCode });
    expect(signup.status).toBe(201);
    const refereeId = signup.body.user.id;

    expect(rx.calls.map((call) => call.json.type)).toEqual([
      "user.created",
      "referral.created",
      "referral.qualified",
    ]);
    for (const call of rx.calls) {
      expect(call.url).toBe(`${RECEIVER}/hook`);
      expect(call.redirect).toBe("manual");
      expect(verify(hook.secret, call)).toEqual(call.json);
      expect(call.headers["webhook-id"]).toBe(call.json.id);
      expect(call.json).toEqual({
        id: expect.stringMatching(/^evt_/),
        type: expect.any(String),
        timestamp: expect.any(String),
        data: expect.any(Object),
      });
    }
    expect(rx.ofType("user.created")[0]?.json.data).toEqual(signup.body.user);
    const referral = {
      id: expect.stringMatching(/^ref_/),
      referrerId: referrer.id,
      refereeId,
      source: "direct",
      referrerPoints: 50,
      refereePoints: 20,
      createdAt: signup.body.user.createdAt,
    };
    expect(rx.ofType("referral.created")[0]?.json.data).toEqual({
      referral: { ...referral, status: "qualified" },
    });
    expect(rx.ofType("referral.qualified")[0]?.json.data).toEqual({
      referral: { ...referral, status: "qualified" },
    });
    const deliveries = await deliveriesOf(hook);
    expect(deliveries).toHaveLength(3);
    expect(deliveries[0]).toEqual({
      id: expect.stringMatching(/^dlv_/),
      eventId: expect.stringMatching(/^evt_/),
      eventType: expect.any(String),
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: expect.any(String),
      createdAt: expect.any(String),
    });
  });

  it("only the event types an endpoint subscribes to reach it", async () => {
    const referrer = await registerUser();
    await subscribe(["referral.qualified"]);
    const rx = receiver();
    await signUp({ referralCode: referrer.referralCode });
    expect(rx.calls.map((call) => call.json.type)).toEqual(["referral.qualified"]);
  });

  it("a redemption sends reward.redeemed with its coupon", async () => {
    const user = await referrerWith(3);
    const hook = await subscribe(["reward.redeemed"]);
    const rx = receiver();
    const redeemed = await settled("POST", "/v1/me/redemptions", {
      token: user.accessToken,
      headers: { "Idempotency-Key": `hooked-${user.id}` },
      body: { rewardId: "rwd_discount_10" },
    });
    expect(redeemed.status).toBe(201);
    const [call] = rx.calls;
    expect(rx.calls).toHaveLength(1);
    expect(verify(hook.secret, call as Received)).toBeTruthy();
    const { redemption } = redeemed.body;
    expect(call?.json.data).toEqual({
      redemption: {
        id: redemption.id,
        userId: user.id,
        rewardId: "rwd_discount_10",
        cost: 100,
        couponCode: redemption.couponCode,
        createdAt: redemption.createdAt,
      },
      coupon: {
        code: redemption.couponCode,
        status: "issued",
        reward: {
          id: "rwd_discount_10",
          name: "10% discount",
          kind: "coupon",
          discount: { type: "percent", percent: 10 },
        },
        userId: user.id,
        redemptionId: redemption.id,
        issuedAt: redemption.createdAt,
        usedAt: null,
        orderId: null,
      },
    });
  });

  it("a redemption whose batch fails (too few points) leaves no event behind", async () => {
    const user = await registerUser();
    await subscribe(["*"]);
    const rx = receiver();
    const [events, deliveries] = [
      await countRows("webhook_events"),
      await countRows("webhook_deliveries"),
    ];
    const refused = await settled("POST", "/v1/me/redemptions", {
      token: user.accessToken,
      headers: { "Idempotency-Key": `broke-${user.id}` },
      body: { rewardId: "rwd_discount_10" },
    });
    expect(refused.status).toBe(422);
    expect(await countRows("webhook_events")).toBe(events);
    expect(await countRows("webhook_deliveries")).toBe(deliveries);
    expect(rx.calls).toHaveLength(0);
  });

  it("the expiry job sends points.expired for what it expired", async () => {
    const user = await referrerWith(2);
    await env.DB.prepare(
      `update point_lots set expires_at = ? where ledger_entry_id =
         (select ledger_entry_id from point_lots where user_id = ? order by expires_at, ledger_entry_id limit 1)`,
    )
      .bind(Date.now() - 1000, user.id)
      .run();
    await subscribe(["points.expired"]);
    const rx = receiver();
    await runCron("17 * * * *", Date.now());
    const mine = rx.calls.filter((call) => call.json.data.userId === user.id);
    expect(mine.map((call) => call.json.data)).toEqual([{ userId: user.id, points: 50 }]);
  });

  it("a referral held for review, then rejected, sends referral.held and referral.rejected", async () => {
    const device = `device-${crypto.randomUUID()}`;
    const ip = uniqueIp();
    const signupFrom = (phone: string, referralCode?: string) =>
      settled("POST", "/v1/auth/register", {
        ip,
        headers: { "X-Device-Id": device },
        body: {
          name: "Same Device",
          phone,
          password: "correct horse battery",
          ...(referralCode ? { referralCode } : {}),
        },
      });
    const sharer = await signupFrom(uniquePhone());
    const hook = await subscribe(["referral.held", "referral.rejected"]);
    const rx = receiver();
    const held = await signupFrom(uniquePhone(), sharer.body.user.referralCode);
    expect(held.status).toBe(201);
    expect(rx.calls.map((call) => call.json.data.referral.status)).toEqual(["held"]);
    const referralId = rx.calls[0]?.json.data.referral.id;
    const rejected = await settled("POST", `/v1/admin/referrals/${referralId}/reject`, {
      token: hook.admin.accessToken,
      body: { reason: "Same device as the referrer" },
    });
    expect(rejected.status).toBe(200);
    expect(rx.calls.map((call) => [call.json.type, call.json.data.referral.status])).toEqual([
      ["referral.held", "held"],
      ["referral.rejected", "rejected"],
    ]);
  });

  it("a refund within the hold period sends referral.reversed", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    await subscribe(["referral.reversed"]);
    const rx = receiver();
    const refund = await settled("POST", "/v1/events", {
      headers: { Authorization: `Bearer ${env.EVENTS_API_KEY}` },
      body: { type: "refund", userId: referee.id, externalId: `refund-${referee.id}` },
    });
    expect(refund.body.reversed).toHaveLength(1);
    expect(rx.calls.map((call) => call.json.data)).toEqual([
      {
        referral: expect.objectContaining({
          id: refund.body.reversed[0],
          referrerId: referrer.id,
          refereeId: referee.id,
          status: "rejected",
        }),
      },
    ]);
  });

  it("a referral qualified by a purchase announces the points of its qualified place", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referees: TestUser[] = [];
      for (let i = 0; i < 4; i++) {
        referees.push(await registerUser({ referralCode: referrer.referralCode }));
      }
      await subscribe(["referral.qualified"]);
      const rx = receiver();
      // The 4th signup buys first: the 1st place, paid 50 (it showed 100 while it waited).
      const last = referees[3] as TestUser;
      const bought = await settled("POST", "/v1/events", {
        headers: { Authorization: `Bearer ${env.EVENTS_API_KEY}` },
        body: { type: "purchase", userId: last.id, externalId: `order-${last.id}` },
      });
      expect(bought.body.qualified).toHaveLength(1);
      expect(rx.calls.map((call) => call.json.data.referral)).toEqual([
        expect.objectContaining({ refereeId: last.id, status: "qualified", referrerPoints: 50 }),
      ]);
    });
  });

  it("the hourly job purges events past their retention once nothing is left to send", async () => {
    const hook = await subscribe(["*"]);
    receiver([500]);
    await sendTest(hook);
    await sendTest(hook);
    const deliveries = await deliveriesOf(hook);
    const pending = present(deliveries[0]);
    const done = present(deliveries[1]);
    await env.DB.prepare("update webhook_deliveries set status = 'delivered' where id = ?")
      .bind(done.id)
      .run();
    await env.DB.prepare("update webhook_events set created_at = 0 where id in (?, ?)")
      .bind(pending.eventId, done.eventId)
      .run();
    await runCron("17 * * * *", Date.now());
    expect((await deliveriesOf(hook)).map((delivery) => delivery.id)).toEqual([pending.id]);
  });

  it("nothing is written to the outbox while no endpoint is subscribed", async () => {
    const before = await countRows("webhook_events");
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    expect(await countRows("webhook_events")).toBe(before);
  });
});

describe("delivery", () => {
  it("a receiver that fails then recovers gets the event once more, with the same webhook-id", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver([500, 200]);
    expect((await sendTest(hook)).status).toBe(202);
    const failed = present((await deliveriesOf(hook))[0]);
    expect(failed).toMatchObject({
      eventType: "webhook.test",
      status: "pending",
      attempts: 1,
      lastStatusCode: 500,
      lastError: "Answered 500",
      nextAttemptAt: expect.any(String),
    });
    await runRetryJob(Date.now() + 2 * 60_000);
    await runRetryJob(Date.now() + 3 * 60_000);
    expect(rx.calls).toHaveLength(2);
    expect(rx.calls[1]?.headers["webhook-id"]).toBe(rx.calls[0]?.headers["webhook-id"]);
    expect(rx.calls[1]?.body).toBe(rx.calls[0]?.body);
    expect(verify(hook.secret, rx.calls[1] as Received)).toEqual({
      id: failed.eventId,
      type: "webhook.test",
      timestamp: expect.any(String),
      data: {},
    });
    expect((await deliveriesOf(hook))[0]).toMatchObject({
      status: "delivered",
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
    });
  });

  it("a receiver that hangs or resets neither blocks the request nor loses the event", async () => {
    const referrer = await registerUser();
    const hook = await subscribe(["referral.created"]);
    const rx = receiver(["hang", 200]);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}/v1/auth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": uniqueIp() },
        body: JSON.stringify({
          name: "Sana Malik",
          phone: uniquePhone(),
          password: "correct horse battery",
          referralCode: referrer.referralCode,
        }),
      }),
      env,
      ctx,
    );
    // The response is complete while the receiver still holds the first attempt.
    expect(response.status).toBe(201);
    await vi.waitFor(() => expect(rx.calls).toHaveLength(1));
    expect((await deliveriesOf(hook))[0]).toMatchObject({ status: "pending", attempts: 0 });
    rx.release();
    await waitOnExecutionContext(ctx);
    expect((await deliveriesOf(hook))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "Network connection lost.",
    });
    await runRetryJob(Date.now() + 2 * 60_000);
    expect((await deliveriesOf(hook))[0]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(rx.calls[1]?.headers["webhook-id"]).toBe(rx.calls[0]?.headers["webhook-id"]);
  });

  it("gives up on an attempt after the timeout", async () => {
    const hook = await subscribe(["*"]);
    const db = createDb(env.DB);
    await db.batch(
      webhookEventStatements(
        { db, outbox: newOutbox() },
        {
          type: "webhook.test",
          data: {},
          now: Date.now(),
          endpointId: hook.id,
        },
      ) as [ReturnType<typeof webhookEventStatements>[number]],
    );
    const delivery = present((await deliveriesOf(hook))[0]);
    const hangs = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      )) as typeof fetch;
    expect(
      await deliverWebhook({ db, fetcher: hangs, timeoutMs: 50 }, delivery.id, Date.now()),
    ).toBe("retrying");
    expect((await deliveriesOf(hook))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: expect.stringMatching(/^No answer within/),
    });
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver([302]);
    await sendTest(hook);
    expect(rx.calls).toHaveLength(1);
    expect(rx.calls[0]?.redirect).toBe("manual");
    expect((await deliveriesOf(hook))[0]).toMatchObject({
      status: "pending",
      lastStatusCode: 302,
      lastError: expect.stringMatching(/redirect/),
    });
  });

  it("a request's events go out in order per endpoint, two D1 round trips per claim of ten", async () => {
    const [first, second] = [await subscribe(["*"], "/first"), await subscribe(["*"], "/second")];
    const rx = receiver();
    const metrics = newRequestMetrics();
    const db = createDb(meteredD1(env.DB, metrics, { exactReads: false }));
    const now = Date.now();
    const outbox = newOutbox();
    // One batch with more events than one claim takes, for two endpoints.
    const events = Array.from({ length: DELIVERIES_PER_CLAIM + 2 }, (_, i) =>
      webhookEventStatements(
        { db, outbox },
        {
          type: "webhook.test",
          data: { n: i },
          now,
          endpointId: i % 3 === 0 ? second.id : first.id,
        },
      ),
    ).flat();
    await db.batch(events as [(typeof events)[number]]);
    const before = { ...metrics };
    await sendEmittedWebhooks({ db, outbox }, Date.now());
    const sent = (path: string) =>
      rx.calls.filter((call) => call.url.endsWith(path)).map((call) => call.json.data.n);
    expect(sent("/first")).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    expect(sent("/second")).toEqual([0, 3, 6, 9]);
    // Two claims (10, then 2), each followed by one batch recording its outcomes; no third
    // claim, since the second took fewer than a claim's worth.
    expect(metrics.batches - before.batches).toBe(2);
    expect(metrics.queries - before.queries).toBe(
      2 + 2 * (DELIVERIES_PER_CLAIM + 2) /* each delivered: the delivery and its endpoint */,
    );
    expect((await deliveriesOf(first)).map((delivery) => delivery.status)).toEqual(
      Array(8).fill("delivered"),
    );
  });

  it("the request and many retry passes at once send a delivery exactly once", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver();
    const db = createDb(env.DB);
    const now = Date.now();
    await db.batch(
      webhookEventStatements(
        { db, outbox: newOutbox() },
        {
          type: "webhook.test",
          data: {},
          now,
          endpointId: hook.id,
        },
      ) as [ReturnType<typeof webhookEventStatements>[number]],
    );
    const delivery = present((await deliveriesOf(hook))[0]);
    // Due for the retry job too, as if the first attempt had been lost.
    await env.DB.prepare("update webhook_deliveries set next_attempt_at = 0 where id = ?")
      .bind(delivery.id)
      .run();
    await Promise.all([
      ...Array.from({ length: 20 }, () => deliverWebhook({ db }, delivery.id, Date.now())),
      ...Array.from({ length: 5 }, () => runRetryJob(Date.now())),
    ]);
    expect(rx.calls).toHaveLength(1);
    expect((await deliveriesOf(hook))[0]).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("switches an endpoint off when its last 20 deliveries all failed", async () => {
    const hook = await subscribe(["user.created"]);
    const rx = receiver([500]);
    for (let i = 0; i < 20; i++) await sendTest(hook);
    const giveUp = (limit: number) =>
      env.DB.prepare(
        `update webhook_deliveries set attempts = ?, next_attempt_at = 0 where id in
           (select id from webhook_deliveries where endpoint_id = ? and attempts = 1 limit ?)`,
      )
        .bind(WEBHOOK_RETRIES.maxAttempts - 1, hook.id, limit)
        .run();
    await giveUp(19);
    await runRetryJob(Date.now());
    const listed = () => endpointOf(hook);
    expect(await listed()).toMatchObject({ active: true, consecutiveFailures: 19 });
    await giveUp(1);
    await runRetryJob(Date.now());
    expect(await listed()).toMatchObject({ active: false, consecutiveFailures: 20 });
    const statuses = (await deliveriesOf(hook)).map((delivery) => delivery.status);
    expect(statuses).toEqual(Array(20).fill("failed"));

    // Switched off: new events no longer reach it.
    const calls = rx.calls.length;
    await signUp({});
    expect(rx.calls.length).toBe(calls);
  });

  it("an admin retries a failed delivery, with the same webhook-id", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver([500, 500, 200]);
    await sendTest(hook);
    await env.DB.prepare(
      "update webhook_deliveries set attempts = ?, next_attempt_at = 0 where endpoint_id = ?",
    )
      .bind(WEBHOOK_RETRIES.maxAttempts - 1, hook.id)
      .run();
    await runRetryJob(Date.now());
    const failed = present((await deliveriesOf(hook))[0]);
    expect(failed).toMatchObject({ status: "failed", nextAttemptAt: null });

    const auth = { token: hook.admin.accessToken };
    const retried = await settled(
      "POST",
      `/v1/admin/webhooks/${hook.id}/deliveries/${failed.id}/retry`,
      auth,
    );
    expect(retried.status).toBe(202);
    expect((await deliveriesOf(hook))[0]).toMatchObject({ status: "delivered" });
    expect(new Set(rx.calls.map((call) => call.headers["webhook-id"]))).toEqual(
      new Set([failed.eventId]),
    );
    expectError(
      await callJson(
        "POST",
        `/v1/admin/webhooks/${hook.id}/deliveries/dlv_unknown/retry`,
        {},
        auth,
      ),
      404,
      "not_found",
    );
  });

  it("hand retries of a failed delivery send once each, keep attempts at the schedule's limit and count one failure", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver([500]);
    await sendTest(hook);
    await env.DB.prepare(
      "update webhook_deliveries set attempts = ?, next_attempt_at = 0 where endpoint_id = ?",
    )
      .bind(WEBHOOK_RETRIES.maxAttempts - 1, hook.id)
      .run();
    await runRetryJob(Date.now());
    const failed = present((await deliveriesOf(hook))[0]);
    expect(failed).toMatchObject({ status: "failed", attempts: WEBHOOK_RETRIES.maxAttempts });
    const endpoint = () => endpointOf(hook);
    expect(await endpoint()).toMatchObject({ consecutiveFailures: 1 });
    const sentBefore = rx.calls.length;

    const retry = () =>
      settled("POST", `/v1/admin/webhooks/${hook.id}/deliveries/${failed.id}/retry`, {
        token: hook.admin.accessToken,
      });
    for (let i = 0; i < 15; i++) {
      expect((await retry()).status).toBe(202);
      expect(rx.calls.length - sentBefore).toBe(i + 1);
    }
    // And in parallel: each sends at most once (the claim lets one attempt run at a time).
    const burst = await Promise.all(Array.from({ length: 15 }, retry));
    expect(burst.map((answer) => answer.status)).toEqual(Array(15).fill(202));
    const sent = rx.calls.length - sentBefore;
    expect(sent).toBeGreaterThan(15);
    expect(sent).toBeLessThanOrEqual(30);
    expect((await deliveriesOf(hook))[0]).toMatchObject({
      status: "failed",
      attempts: WEBHOOK_RETRIES.maxAttempts,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(await endpoint()).toMatchObject({ consecutiveFailures: 1, active: true });
    // Nothing more is sent later: a hand retry of a failed delivery does not restart its schedule.
    await runRetryJob(Date.now() + 7 * HOUR);
    expect(rx.calls.length - sentBefore).toBe(sent);
  });

  it("a hand retry of a pending delivery is its next attempt, made now", async () => {
    const hook = await subscribe(["*"]);
    receiver([500]);
    await sendTest(hook);
    const pending = present((await deliveriesOf(hook))[0]);
    expect(pending).toMatchObject({ status: "pending", attempts: 1 });
    const retried = await settled(
      "POST",
      `/v1/admin/webhooks/${hook.id}/deliveries/${pending.id}/retry`,
      { token: hook.admin.accessToken },
    );
    expect(retried.status).toBe(202);
    const after = present((await deliveriesOf(hook))[0]);
    expect(after).toMatchObject({ status: "pending", attempts: 2 });
    const wait = Date.parse(present(after.nextAttemptAt)) - Date.now();
    expect(wait).toBeGreaterThan(60_000);
    expect(wait).toBeLessThanOrEqual(retryDelayMs(2, WEBHOOK_RETRIES) ?? 0);
  });

  it("after a secret rotation deliveries verify with the new secret only", async () => {
    const hook = await subscribe(["*"]);
    const rx = receiver();
    const rotated = await callJson(
      "POST",
      `/v1/admin/webhooks/${hook.id}/rotate-secret`,
      {},
      { token: hook.admin.accessToken },
    );
    await sendTest(hook);
    const [call] = rx.calls;
    expect(verify(rotated.body.secret, call as Received)).toBeTruthy();
    expect(() => verify(hook.secret, call as Received)).toThrow();
  });
});
