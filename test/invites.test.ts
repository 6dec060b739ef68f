import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { hmacSha256Hex } from "../src/lib/crypto";
import {
  callAndSettle,
  callJson,
  cookiesFrom,
  expectError,
  interceptInviteWebhook,
  registerUser,
  type TestUser,
  uniquePhone,
} from "./harness";

const WEBHOOK_SECRET = "webhook-secret-of-at-least-32-bytes!!";

afterEach(() => vi.restoreAllMocks());

function invite(user: TestUser, body: Record<string, unknown>) {
  return callAndSettle("POST", "/v1/me/invites", { token: user.accessToken, body });
}

async function inviteRow(id: string) {
  return env.DB.prepare(
    "select status, attempts, next_attempt_at, last_error from invites where id = ?",
  )
    .bind(id)
    .first<{
      status: string;
      attempts: number;
      next_attempt_at: number | null;
      last_error: string | null;
    }>();
}

async function runRetryJob(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "* * * * *", scheduledTime: at }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("POST /v1/me/invites", () => {
  it("queues an SMS invite, answers 202 with the recipient masked, and sends it signed", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser({ name: "Ayesha Khan" });
    const response = await invite(user, {
      channel: "sms",
      to: "+92 300 765 4321",
      message: "Join me!",
    });
    expect(response.status).toBe(202);
    const { invite: body } = await response.json<{ invite: Record<string, string> }>();
    expect(body).toEqual({
      id: expect.stringMatching(/^inv_/),
      channel: "sms",
      to: "+92******4321",
      status: "queued",
      link: `https://api.test/r/${user.referralCode}?src=sms&inv=${body.id}`,
      clickedAt: null,
      createdAt: expect.any(String),
    });
    expect(calls).toHaveLength(1);
    const sent = calls[0] as Request;
    const payload = await sent.text();
    expect(JSON.parse(payload)).toMatchObject({
      type: "invite",
      inviteId: body.id,
      channel: "sms",
      to: "+923007654321",
      link: body.link,
      text: expect.stringContaining("Ayesha K. invited you"),
    });
    const timestamp = sent.headers.get("X-Invite-Timestamp") ?? "";
    expect(sent.headers.get("X-Invite-Signature")).toBe(
      `v1=${await hmacSha256Hex(WEBHOOK_SECRET, `${timestamp}.${payload}`)}`,
    );
    expect((await inviteRow(body.id ?? ""))?.status).toBe("sent");
  });

  it("validates recipients: E.164 phones and real email addresses", async () => {
    interceptInviteWebhook([200]);
    const user = await registerUser();
    for (const body of [
      { channel: "sms", to: "12345" },
      { channel: "email", to: "not-an-email" },
      { channel: "email", to: "a@b" },
      { channel: "pigeon", to: "+923001234567" },
    ]) {
      const response = await callJson("POST", "/v1/me/invites", body, { token: user.accessToken });
      expectError(response, 400, "validation_error");
    }
    const ok = await invite(user, { channel: "email", to: "Friend@Example.com" });
    expect(ok.status).toBe(202);
    expect((await ok.json<{ invite: { to: string } }>()).invite.to).toBe("f*****@example.com");
  });

  it("refuses a note with a link, and writes nothing", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser();
    for (const message of [
      "Claim your prize at https://evil.example/win",
      "Go to evil.example now",
      "write to prizes@evil.example",
      "\u200B\u202E\n",
    ]) {
      const response = await callJson(
        "POST",
        "/v1/me/invites",
        { channel: "sms", to: uniquePhone(), message },
        { token: user.accessToken },
      );
      expectError(response, 400, "validation_error");
      expect(response.body.error.details[0].path).toBe("message");
    }
    const stored = await env.DB.prepare("select count(*) as n from invites where user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
    expect(calls).toHaveLength(0);
  });

  it("sends the note normalized and the inviter's name masked, whatever was stored", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser({ name: "Hostile Inviter" });
    await env.DB.prepare("update users set name = ? where id = ?")
      .bind("\u202Ewin-big.example\u202C\nFree Money", user.id)
      .run();
    const response = await invite(user, {
      channel: "sms",
      to: uniquePhone(),
      message: "  Join\u200B me\r\n\u202Etoday\u202C! ",
    });
    expect(response.status).toBe(202);
    const { text } = JSON.parse(await (calls[0] as Request).text());
    const link = text.split("Sign up here: ")[1].split(" ")[0];
    expect(text).toBe(`W. M. invited you to join. Sign up here: ${link} "Join me today!"`);
    expect(text).not.toMatch(/[\u200B\u202E\u202C\n\r]|win-big/);
  });

  it("refuses inviting your own phone", async () => {
    const user = await registerUser();
    const response = await callJson(
      "POST",
      "/v1/me/invites",
      { channel: "sms", to: user.phone },
      {
        token: user.accessToken,
      },
    );
    expectError(response, 422, "self_referral");
  });

  it("refuses an SMS invite to a premium-rate or satellite number with 422 unsupported_phone, sending nothing", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser();
    for (const to of ["+19005551234", "+44 909 879 0123", "+870 772 345 678", "+8816312345678"]) {
      const response = await callJson(
        "POST",
        "/v1/me/invites",
        { channel: "sms", to },
        { token: user.accessToken },
      );
      expectError(response, 422, "unsupported_phone");
    }
    const listed = await callJson("GET", "/v1/me/invites", undefined, { token: user.accessToken });
    expect(listed.body.data).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it("refuses the same recipient twice within 7 days", async () => {
    interceptInviteWebhook([200]);
    const user = await registerUser();
    const phone = uniquePhone();
    expect((await invite(user, { channel: "sms", to: phone })).status).toBe(202);
    const again = await callJson(
      "POST",
      "/v1/me/invites",
      { channel: "sms", to: phone },
      {
        token: user.accessToken,
      },
    );
    expectError(again, 409, "invite_already_sent");
    // Another user may invite the same person.
    const other = await registerUser();
    expect((await invite(other, { channel: "sms", to: phone })).status).toBe(202);
  });

  it("allows 20 invites a day, then answers 429 with Retry-After", async () => {
    interceptInviteWebhook([200]);
    const user = await registerUser();
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        callJson(
          "POST",
          "/v1/me/invites",
          { channel: "email", to: `friend${i}@example.com` },
          {
            token: user.accessToken,
          },
        ),
      ),
    );
    expect(responses.filter((r) => r.status === 202)).toHaveLength(20);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expectError(limited[0] as (typeof responses)[number], 429, "rate_limited");
    expect(Number(limited[0]?.headers.get("Retry-After"))).toBeGreaterThan(86_000);
  });
});

describe("GET /v1/me/invites", () => {
  it("lists my invites newest first with their status, paged", async () => {
    interceptInviteWebhook([200]);
    const user = await registerUser();
    for (const to of ["a@example.com", "b@example.com", "c@example.com"]) {
      await invite(user, { channel: "email", to });
    }
    const first = await callJson("GET", "/v1/me/invites?limit=2", undefined, {
      token: user.accessToken,
    });
    expect(first.body.data.map((i: { to: string }) => i.to)).toEqual([
      "c*@example.com",
      "b*@example.com",
    ]);
    expect(first.body.data[0].status).toBe("sent");
    const second = await callJson(
      "GET",
      `/v1/me/invites?limit=2&cursor=${first.body.nextCursor}`,
      undefined,
      {
        token: user.accessToken,
      },
    );
    expect(second.body.data.map((i: { to: string }) => i.to)).toEqual(["a*@example.com"]);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe("delivery retries (scheduled)", () => {
  it("a sender that fails twice then succeeds: retried with backoff, then sent", async () => {
    const { calls } = interceptInviteWebhook([500, 503, 200]);
    const user = await registerUser();
    const response = await invite(user, { channel: "sms", to: uniquePhone() });
    const { id } = (await response.json<{ invite: { id: string } }>()).invite;
    let row = await inviteRow(id);
    expect(row).toMatchObject({
      status: "queued",
      attempts: 1,
      last_error: expect.stringContaining("500"),
    });

    // Not yet due: the job leaves it alone.
    await runRetryJob(Date.now() + 1_000);
    expect(calls).toHaveLength(1);

    await runRetryJob((row?.next_attempt_at ?? 0) + 1);
    row = await inviteRow(id);
    expect(row).toMatchObject({ status: "queued", attempts: 2 });
    await runRetryJob((row?.next_attempt_at ?? 0) + 1);
    expect(await inviteRow(id)).toMatchObject({ status: "sent", attempts: 3, last_error: null });
    expect(calls).toHaveLength(3);
    const listed = await callJson("GET", "/v1/me/invites", undefined, { token: user.accessToken });
    expect(listed.body.data[0].status).toBe("sent");
  });

  it("a sender that always fails ends 'failed' after the last attempt, never lost", async () => {
    const { calls } = interceptInviteWebhook([502]);
    const user = await registerUser();
    const response = await invite(user, { channel: "email", to: "nobody@example.com" });
    const { id } = (await response.json<{ invite: { id: string } }>()).invite;
    for (let i = 0; i < 10; i++) {
      const row = await inviteRow(id);
      if (row?.status !== "queued") break;
      await runRetryJob((row.next_attempt_at ?? 0) + 1);
    }
    expect(await inviteRow(id)).toMatchObject({
      status: "failed",
      attempts: 6,
      next_attempt_at: null,
    });
    expect(calls).toHaveLength(6);
  });

  it("an SMS invite queued to a premium-rate number before it was refused fails, with no SMS and no budget used", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser();
    const createdAt = Date.now();
    await env.DB.prepare(
      `insert into invites (id, user_id, channel, recipient, status, attempts, next_attempt_at, created_at)
       values ('inv_premiumrate00000000000000', ?, 'sms', '+19005551234', 'queued', 0, ?, ?)`,
    )
      .bind(user.id, createdAt, createdAt)
      .run();
    const smsSent = () =>
      env.DB.prepare("select coalesce(sum(sent), 0) as sent from sms_usage").first("sent");
    const before = await smsSent();
    await runRetryJob(createdAt + 1_000);
    expect(await inviteRow("inv_premiumrate00000000000000")).toMatchObject({
      status: "failed",
      next_attempt_at: null,
      last_error: "No SMS goes to a premium-rate number.",
    });
    expect(calls).toHaveLength(0);
    expect(await smsSent()).toBe(before);
  });

  it("an invite whose first attempt was lost with its isolate is sent by the job", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const user = await registerUser();
    // As the request leaves it before its waitUntil send: queued, no attempt yet.
    const createdAt = Date.now();
    await env.DB.prepare(
      `insert into invites (id, user_id, channel, recipient, status, attempts, next_attempt_at, created_at)
       values ('inv_lostattempt000000000000', ?, 'email', 'later@example.com', 'queued', 0, ?, ?)`,
    )
      .bind(user.id, createdAt + 60_000, createdAt)
      .run();
    await runRetryJob(createdAt + 30_000);
    expect(calls).toHaveLength(0);
    await runRetryJob(createdAt + 61_000);
    expect(await inviteRow("inv_lostattempt000000000000")).toMatchObject({
      status: "sent",
      attempts: 1,
    });
    expect(calls).toHaveLength(1);
  });
});

describe("an invite that brings a signup", () => {
  it("is marked joined when its link's visitor registers", async () => {
    interceptInviteWebhook([200]);
    const referrer = await registerUser();
    const response = await invite(referrer, { channel: "sms", to: uniquePhone() });
    const { link, id } = (await response.json<{ invite: { link: string; id: string } }>()).invite;
    const click = await callAndSettle("GET", new URL(link).pathname + new URL(link).search, {
      headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" },
    });
    const cookie = cookiesFrom(click);
    expect(cookie).toContain(`ref_inv=${id}`);
    const signup = await callJson(
      "POST",
      "/v1/auth/register",
      { name: "Invited Friend", phone: uniquePhone(), password: "correct horse battery" },
      { headers: { Cookie: cookie } },
    );
    expect(signup.status).toBe(201);
    const listed = await callJson("GET", "/v1/me/invites", undefined, {
      token: referrer.accessToken,
    });
    expect(listed.body.data[0]).toMatchObject({ id, status: "joined" });
    const referral = await env.DB.prepare(
      "select source, invite_id from referrals where referrer_id = ?",
    )
      .bind(referrer.id)
      .first();
    expect(referral).toEqual({ source: "sms", invite_id: id });
  });
});
