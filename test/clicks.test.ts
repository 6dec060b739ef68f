import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb, meteredD1 } from "../src/db/client";
import worker from "../src/index";
import { type ClickMessage, clickMessage } from "../src/links/service";
import { insertClicks } from "../src/links/store";
import { newRequestMetrics } from "../src/platform/metrics";
import {
  callAndSettle,
  callJson,
  eventually,
  interceptInviteWebhook,
  registerUser,
  type TestUser,
  uniqueIp,
} from "./harness";

const BROWSER =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131 Safari/537.36";
const SALT = "a-salt-for-these-tests-of-32-bytes!!";
// A day no other test writes clicks on, so that program-wide daily counters can be compared.
const DAY = Date.UTC(2031, 2, 14, 9);

let batchCounter = 0;

/** Runs the Worker's queue handler on `clicks`, as the queue would deliver them. */
async function deliver(clicks: ClickMessage[], attempts = 1) {
  batchCounter += 1;
  const batch = createMessageBatch<ClickMessage>(
    "edge-referrals-clicks",
    clicks.map((body, i) => ({
      id: `msg-${batchCounter}-${i}`,
      timestamp: new Date(body.createdAt),
      attempts,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

function clickOf(referrer: TestUser, source: string, ip: string, at = DAY) {
  return clickMessage(SALT, {
    target: { referrerId: referrer.id, code: referrer.referralCode, expiresAt: null },
    source,
    inviteId: null,
    ip,
    now: at,
  });
}

async function sourceClicks(userId: string) {
  const rows = await env.DB.prepare(
    "select source, clicks from source_stats where user_id = ? and clicks > 0 order by source",
  )
    .bind(userId)
    .all<{ source: string; clicks: number }>();
  return Object.fromEntries(rows.results.map((row) => [row.source, row.clicks]));
}

async function dayClicks(day: string) {
  const total = await env.DB.prepare("select clicks from daily_stats where day = ?")
    .bind(day)
    .first<number>("clicks");
  const bySource = await env.DB.prepare(
    "select source, clicks from daily_source_stats where day = ? order by source",
  )
    .bind(day)
    .all<{ source: string; clicks: number }>();
  return {
    total: total ?? 0,
    bySource: Object.fromEntries(bySource.results.map((row) => [row.source, row.clicks])),
  };
}

describe("a click as queued", () => {
  it("carries a salted IP hash, never the IP, and one id per visitor, code and day", async () => {
    const referrer = await registerUser();
    const ip = "203.0.113.77";
    const first = await clickOf(referrer, "sms", ip);
    expect(JSON.stringify(first)).not.toContain(ip);
    expect(first.ipHash).toMatch(/^[0-9a-f]{32}$/);
    expect((await clickOf(referrer, "whatsapp", ip, DAY + 3_600_000)).id).toBe(first.id);
    expect((await clickOf(referrer, "sms", ip, DAY + 86_400_000)).id).not.toBe(first.id);
    expect((await clickOf(referrer, "sms", "203.0.113.78")).id).not.toBe(first.id);
  });
});

describe("the CLICKS queue consumer", () => {
  it("stores 100 clicks as one batch with exact counters per referrer, source and day", async () => {
    const [ayesha, bilal] = [await registerUser(), await registerUser()] as [TestUser, TestUser];
    const clicks = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        clickOf(i % 4 === 0 ? bilal : ayesha, i % 2 === 0 ? "whatsapp" : "sms", uniqueIp()),
      ),
    );
    const result = await deliver(clicks);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    expect(await sourceClicks(ayesha.id)).toEqual({ sms: 50, whatsapp: 25 });
    expect(await sourceClicks(bilal.id)).toEqual({ whatsapp: 25 });
    expect(await dayClicks("2031-03-14")).toEqual({
      total: 100,
      bySource: { sms: 50, whatsapp: 50 },
    });
  });

  it("counts a batch into each counter row once, not once per click", async () => {
    const referrers = [await registerUser(), await registerUser()] as const;
    const clicks = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        clickOf(
          referrers[i % 2] as TestUser,
          i % 4 < 2 ? "sms" : "email",
          uniqueIp(),
          DAY + 2 * 86_400_000,
        ),
      ),
    );
    const metrics = newRequestMetrics();
    await insertClicks(createDb(meteredD1(env.DB, metrics, { exactReads: true })), clicks);
    // Three upserts per click (the old trigger) wrote 400 rows and more; now each click is
    // a row (with its two index entries) and each counter row is written once:
    // 1 day + 4 (referrer, source) + 2 (day, source).
    const perClick = 3;
    expect(metrics.rowsWritten).toBeLessThanOrEqual(100 * perClick + 3 * 7);
    expect(metrics.batches).toBe(1);
    expect(await sourceClicks(referrers[0].id)).toEqual({ email: 25, sms: 25 });
    expect(await dayClicks("2031-03-16")).toEqual({
      total: 100,
      bySource: { email: 50, sms: 50 },
    });
  });

  it("a redelivered batch counts nothing twice", async () => {
    const referrer = await registerUser();
    const clicks = await Promise.all(
      Array.from({ length: 30 }, () => clickOf(referrer, "email", uniqueIp(), DAY + 86_400_000)),
    );
    await deliver(clicks.slice(0, 20));
    // The queue delivers again what it may not know was stored, mixed with new clicks.
    const again = await deliver(clicks, 2);
    expect(again.ackAll).toBe(true);
    expect(await sourceClicks(referrer.id)).toEqual({ email: 30 });
    expect((await dayClicks("2031-03-15")).total).toBe(30);
  });

  it("100 hits from one visitor on one code and day are one click", async () => {
    const referrer = await registerUser();
    const ip = uniqueIp();
    const hits = await Promise.all(
      Array.from({ length: 100 }, (_, i) => clickOf(referrer, i % 2 ? "sms" : "link", ip)),
    );
    expect((await deliver(hits)).ackAll).toBe(true);
    expect(await sourceClicks(referrer.id)).toEqual({ link: 1 });
  });

  it("a D1 failure stores nothing and has the queue retry the batch", async () => {
    const referrer = await registerUser();
    const clicks = await Promise.all(
      Array.from({ length: 10 }, () => clickOf(referrer, "twitter", uniqueIp())),
    );
    // A real failure inside D1, halfway through the batch.
    await env.DB.prepare(
      `create trigger clicks_fail before insert on clicks
       when (select count(*) from clicks where referrer_id = new.referrer_id) >= 5
       begin select raise(abort, 'D1 is having a bad day'); end`,
    ).run();
    try {
      const failed = await deliver(clicks);
      expect(failed.ackAll).toBe(false);
      expect(failed.retryBatch.retry).toBe(true);
      expect(await sourceClicks(referrer.id)).toEqual({});
    } finally {
      await env.DB.prepare("drop trigger clicks_fail").run();
    }
    const retried = await deliver(clicks, 2);
    expect(retried.ackAll).toBe(true);
    expect(await sourceClicks(referrer.id)).toEqual({ twitter: 10 });
  });
});

describe("GET /r/{code} through the queue", () => {
  it("100 hits from one IP count one click; another visitor counts another", async () => {
    const referrer = await registerUser();
    const ip = uniqueIp();
    const visit = (from: string) =>
      callAndSettle("GET", `/r/${referrer.referralCode}?src=whatsapp`, {
        ip: from,
        headers: { "User-Agent": BROWSER },
      });
    // The first hit puts the code in the cache; 99 more follow at once.
    const responses = [await visit(ip)];
    responses.push(...(await Promise.all(Array.from({ length: 99 }, () => visit(ip)))));
    expect(responses.every((response) => response.status === 302)).toBe(true);
    await visit(uniqueIp());
    const stored = await eventually(
      () =>
        env.DB.prepare("select count(*) as n from clicks where referrer_id = ?")
          .bind(referrer.id)
          .first<number>("n"),
      (n) => (n ?? 0) >= 2,
    );
    expect(stored).toBe(2);
    expect(await sourceClicks(referrer.id)).toEqual({ whatsapp: 2 });
  }, 30_000);
});

describe("clicks on their way to the queue", () => {
  it("150 visitors at once make a few queue calls of at most 100 clicks, and every click is stored", async () => {
    const referrer = await registerUser();
    const sendBatch = vi.spyOn(env.CLICKS, "sendBatch");
    try {
      const responses = await Promise.all(
        Array.from({ length: 150 }, () =>
          callAndSettle("GET", `/r/${referrer.referralCode}?src=link`, {
            ip: uniqueIp(),
            headers: { "User-Agent": BROWSER },
          }),
        ),
      );
      expect(responses.every((response) => response.status === 302)).toBe(true);
      const sizes = sendBatch.mock.calls.map(([messages]) => [...messages].length);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(150);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
      expect(sizes.length).toBeLessThan(150 / 10);
    } finally {
      sendBatch.mockRestore();
    }
    expect(
      await eventually(
        () => sourceClicks(referrer.id),
        (counts) => counts.link === 150,
      ),
    ).toEqual({ link: 150 });
  }, 30_000);
});

describe("an emailed or texted invite's link", () => {
  it("marks the invite clicked at its first click, on its sender's code only", async () => {
    interceptInviteWebhook([200]);
    const [sender, stranger] = [await registerUser(), await registerUser()] as [TestUser, TestUser];
    const sent = await callJson(
      "POST",
      "/v1/me/invites",
      { channel: "email", to: `friend-${crypto.randomUUID()}@example.com` },
      { token: sender.accessToken },
    );
    const { invite } = sent.body as { invite: { id: string; clickedAt: string | null } };
    expect(invite.clickedAt).toBeNull();
    const clickedAt = async () => {
      const list = await callJson("GET", "/v1/me/invites", undefined, {
        token: sender.accessToken,
      });
      const { data } = list.body as { data: { id: string; clickedAt: string | null }[] };
      return data.find((row) => row.id === invite.id)?.clickedAt ?? null;
    };
    // The invite's id on somebody else's code is counted for them, not for this invite.
    await callAndSettle("GET", `/r/${stranger.referralCode}?src=email&inv=${invite.id}`, {
      ip: uniqueIp(),
      headers: { "User-Agent": BROWSER },
    });
    await eventually(
      () => sourceClicks(stranger.id),
      (counts) => counts.email === 1,
    );
    expect(await clickedAt()).toBeNull();

    const before = Date.now();
    for (const ip of [uniqueIp(), uniqueIp()]) {
      await callAndSettle("GET", `/r/${sender.referralCode}?src=email&inv=${invite.id}`, {
        ip,
        headers: { "User-Agent": BROWSER },
      });
    }
    const first = await eventually(clickedAt, (at) => at !== null);
    expect(Date.parse(first ?? "")).toBeGreaterThanOrEqual(before - 1000);
    await eventually(
      () => sourceClicks(sender.id),
      (counts) => counts.email === 2,
    );
    expect(await clickedAt()).toBe(first);
  }, 30_000);
});
