import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import worker from "../src/index";
import { takeSmsFromDailyBudget } from "../src/invites/sms-budget";
import { queueExpiryNotices } from "../src/jobs/expiry-notices";
import { DAY_MS } from "../src/lib/time";
import {
  callJson,
  interceptInviteWebhook,
  parallelSignups,
  registerUser,
  type TestUser,
  uniquePhone,
  withProgramChange,
} from "./harness";

afterEach(() => vi.restoreAllMocks());

const db = createDb(env.DB);

interface SentSms {
  type: string;
  purpose: string;
  to: string;
  text: string;
}

/** Runs the minute's delivery pass (as the cron does) and returns what reached the sender. */
async function deliverDue(at: number = Date.now()): Promise<SentSms[]> {
  const { calls } = interceptInviteWebhook([200]);
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "* * * * *", scheduledTime: at }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  vi.restoreAllMocks();
  return Promise.all(calls.map((request) => request.json<SentSms>()));
}

async function setPreferences(user: TestUser, change: object) {
  const response = await callJson("PATCH", "/v1/me", change, { token: user.accessToken });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function queuedFor(userId: string) {
  const { results } = await env.DB.prepare(
    "select purpose, status from invites where user_id = ? and purpose != 'invite' order by created_at",
  )
    .bind(userId)
    .all<{ purpose: string; status: string }>();
  return results;
}

describe("notifications", () => {
  it("tell the referrer in their language that a friend joined and what it paid them", async () => {
    const referrer = await registerUser({ name: "Bilal Ahmed" });
    await setPreferences(referrer, { locale: "ur" });
    await registerUser({ name: "Sana Mirza", referralCode: referrer.referralCode });

    const sent = (await deliverDue()).filter((sms) => sms.to === referrer.phone);
    expect(sent.map((sms) => [sms.type, sms.purpose, sms.text])).toEqual([
      ["notification", "friend_joined", "خوشخبری! Sana M. نے ابھی آپ کے کوڈ سے سائن اپ کیا ہے۔"],
      [
        "notification",
        "referral_rewarded",
        "آپ کو 50 پوائنٹس ملے ہیں: آپ کا بلایا ہوا دوست شامل ہو گیا ہے۔ شکریہ!",
      ],
    ]);
    // Sent once: a second pass finds nothing left for this user.
    expect((await deliverDue()).filter((sms) => sms.to === referrer.phone)).toEqual([]);
  });

  it("tell of a milestone and a badge by their labels, in Hindi", async () => {
    await withProgramChange(
      {
        milestones: [{ referrals: 1, unlock: "gold_theme", labels: { hi: "सुनहरी थीम" } }],
        badges: [{ name: "Starter", referrals: 1, labels: { en: "Starter badge" } }],
      },
      async () => {
        const referrer = await registerUser();
        await setPreferences(referrer, { locale: "hi" });
        await registerUser({ referralCode: referrer.referralCode });
        const texts = (await deliverDue())
          .filter((sms) => sms.to === referrer.phone && sms.purpose === "milestone_reached")
          .map((sms) => sms.text);
        expect(texts).toEqual([
          "बधाई हो! आपने एक पड़ाव पार कर लिया: सुनहरी थीम।",
          "बधाई हो! आपने एक पड़ाव पार कर लिया: Starter badge।",
        ]);
      },
    );
  });

  it("of parallel signups on one code are queued once per signup, whatever the retries", async () => {
    const referrer = await registerUser();
    const signups = await parallelSignups(referrer.referralCode, 10);
    expect(signups.every((signup) => signup.status === 201)).toBe(true);
    const kinds = (await queuedFor(referrer.id)).map((row) => row.purpose);
    const count = (kind: string) => kinds.filter((purpose) => purpose === kind).length;
    // 10 joined and paid; the 5th brings the free_theme milestone and the Bronze badge.
    expect([
      count("friend_joined"),
      count("referral_rewarded"),
      count("milestone_reached"),
    ]).toEqual([10, 10, 2]);
  });

  it("are not queued for a user who turned them off", async () => {
    const referrer = await registerUser();
    const updated = await setPreferences(referrer, { notifications: false });
    expect(updated.notifications).toBe(false);
    await registerUser({ referralCode: referrer.referralCode });
    expect(await queuedFor(referrer.id)).toEqual([]);
    expect((await deliverDue()).filter((sms) => sms.to === referrer.phone)).toEqual([]);
  });

  it("queued before the user turned them off are never sent", async () => {
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    await setPreferences(referrer, { notifications: false });
    expect((await deliverDue()).filter((sms) => sms.to === referrer.phone)).toEqual([]);
    expect(await queuedFor(referrer.id)).toEqual([
      { purpose: "friend_joined", status: "failed" },
      { purpose: "referral_rewarded", status: "failed" },
    ]);
  });

  it("are never sent to an erased user", async () => {
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    const erased = await callJson(
      "DELETE",
      "/v1/me",
      { password: referrer.password },
      { token: referrer.accessToken },
    );
    expect(erased.status).toBe(204);
    expect((await deliverDue()).filter((sms) => sms.to === referrer.phone)).toEqual([]);
    expect((await queuedFor(referrer.id)).every((row) => row.status === "failed")).toBe(true);
  });

  it("of a kind the program switched off are neither queued nor sent", async () => {
    const referrer = await registerUser();
    await withProgramChange(
      { notifications: { friendJoined: false, referralRewarded: true } },
      async () => {
        await registerUser({ referralCode: referrer.referralCode });
        expect((await queuedFor(referrer.id)).map((row) => row.purpose)).toEqual([
          "referral_rewarded",
        ]);
      },
    );
    // Switched off after it was queued: the switch holds for what waits too.
    const other = await registerUser();
    await registerUser({ referralCode: other.referralCode });
    await withProgramChange({ notifications: { referralRewarded: false } }, async () => {
      const sent = await deliverDue();
      expect(sent.filter((sms) => sms.to === other.phone).map((sms) => sms.purpose)).toEqual([
        "friend_joined",
      ]);
    });
  });

  it("are not written for a signup that rolled back", async () => {
    const referrer = await registerUser();
    const phone = uniquePhone();
    await registerUser({ phone });
    // The same phone again: the signup batch fails at the user's insert, and all of it goes.
    const again = await callJson("POST", "/v1/auth/register", {
      name: "Twice Over",
      phone,
      password: "correct horse battery",
      referralCode: referrer.referralCode,
    });
    expect(again.status).toBe(409);
    expect(await queuedFor(referrer.id)).toEqual([]);
  });

  it("stop at their share of the day's SMS budget, leaving the rest for codes", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const tight = { ...env, SMS_DAILY_BUDGET: "4", SMS_NOTIFICATION_SHARE: "50" };
    const referrer = await registerUser();
    for (let i = 0; i < 2; i++) await registerUser({ referralCode: referrer.referralCode });
    // A day of its own, so that other tests' SMS do not count.
    const day = Date.UTC(2031, 0, 1, 12);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "* * * * *", scheduledTime: day }),
      tight,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const used = await env.DB.prepare("select sent from sms_usage where day = '2031-01-01'").first<{
      sent: number;
    }>();
    expect(used?.sent).toBe(2);
    expect(calls.length).toBe(2);
    // Codes may still use the rest of the day's budget.
    expect(await takeSmsFromDailyBudget(db, 4, day)).toBe(true);
    expect(await takeSmsFromDailyBudget(db, 4, day)).toBe(true);
    expect(await takeSmsFromDailyBudget(db, 4, day)).toBe(false);
    const waiting = await queuedFor(referrer.id);
    expect(waiting.filter((row) => row.status === "queued").length).toBeGreaterThan(0);
  });
});

describe("points expiring", () => {
  async function withExpiringLots(userId: string, expiresAt: number[]) {
    for (const [i, at] of expiresAt.entries()) {
      await env.DB.prepare(
        "update point_lots set expires_at = ? where ledger_entry_id = (select ledger_entry_id from point_lots where user_id = ? order by ledger_entry_id limit 1 offset ?)",
      )
        .bind(at, userId, i)
        .run();
    }
  }

  it("are told once per expiry date, 7 days ahead, with that day's points", async () => {
    const referrer = await registerUser();
    for (let i = 0; i < 2; i++) await registerUser({ referralCode: referrer.referralCode });
    await setPreferences(referrer, { locale: "ur" });
    const now = Date.UTC(2040, 5, 1, 9);
    // Both lots (50 + 50 points) expire on 5 June 2040: one notice for the day.
    await withExpiringLots(referrer.id, [Date.UTC(2040, 5, 5, 10), Date.UTC(2040, 5, 5, 20)]);
    await deliverDue();
    await queueExpiryNotices(db, now);
    await queueExpiryNotices(db, now + 3_600_000);
    const sent = (await deliverDue(now)).filter(
      (sms) => sms.to === referrer.phone && sms.purpose === "points_expiring",
    );
    expect(sent.map((sms) => sms.text)).toEqual([
      "آپ کے والیٹ کے 100 پوائنٹس 5 جون، 2040 کو ختم ہو جائیں گے۔ اس سے پہلے انہیں استعمال کر لیں۔",
    ]);
  });

  it("are not told for points further than 7 days away, or for someone who turned notifications off", async () => {
    const far = await registerUser();
    await registerUser({ referralCode: far.referralCode });
    const quiet = await registerUser();
    await registerUser({ referralCode: quiet.referralCode });
    await setPreferences(quiet, { notifications: false });
    const now = Date.UTC(2041, 0, 1);
    await withExpiringLots(far.id, [now + 8 * DAY_MS]);
    await withExpiringLots(quiet.id, [now + 2 * DAY_MS]);
    await queueExpiryNotices(db, now);
    expect((await queuedFor(far.id)).filter((row) => row.purpose === "points_expiring")).toEqual(
      [],
    );
    expect((await queuedFor(quiet.id)).filter((row) => row.purpose === "points_expiring")).toEqual(
      [],
    );
  });

  it("are queued in bounded batches that continue where the last run stopped", async () => {
    const now = Date.UTC(2042, 0, 1);
    const users: TestUser[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await registerUser();
      await registerUser({ referralCode: user.referralCode });
      await withExpiringLots(user.id, [now + DAY_MS + i * 1000]);
      users.push(user);
    }
    const expiring = async () =>
      (
        await Promise.all(
          users.map(async (user) =>
            (await queuedFor(user.id)).filter((row) => row.purpose === "points_expiring"),
          ),
        )
      ).flat().length;
    expect(await queueExpiryNotices(db, now, { batchSize: 2, maxBatches: 1 })).toBe(2);
    expect(await expiring()).toBe(2);
    expect(await queueExpiryNotices(db, now, { batchSize: 2, maxBatches: 1 })).toBe(2);
    expect(await queueExpiryNotices(db, now, { batchSize: 2, maxBatches: 1 })).toBe(1);
    expect(await queueExpiryNotices(db, now, { batchSize: 2, maxBatches: 1 })).toBe(0);
    expect(await expiring()).toBe(5);
  });
});
