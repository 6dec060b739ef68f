import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import worker from "../src/index";
import { nextSmsBudgetAt, takeSmsFromDailyBudget } from "../src/invites/sms-budget";
import { DAY_MS } from "../src/lib/time";
import { BASE, interceptInviteWebhook, registerUser, type TestUser, uniquePhone } from "./harness";

afterEach(() => vi.restoreAllMocks());

/**
 * The Worker with a daily SMS budget of `budget` (its own config: keyed by the env object),
 * of which invites and notifications may use `share` percent.
 */
const withBudget = (budget: number, share = 100) => ({
  ...env,
  SMS_DAILY_BUDGET: String(budget),
  SMS_NOTIFICATION_SHARE: String(share),
});

async function inviteWith(workerEnv: Cloudflare.Env, user: TestUser, body: object) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${BASE}/v1/me/invites`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${user.accessToken}`,
      },
      body: JSON.stringify(body),
    }),
    workerEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(202);
  return (await response.json<{ invite: { id: string } }>()).invite.id;
}

async function inviteRow(id: string) {
  return env.DB.prepare("select status, attempts, next_attempt_at from invites where id = ?")
    .bind(id)
    .first<{ status: string; attempts: number; next_attempt_at: number | null }>();
}

describe("the daily SMS budget", () => {
  it("is taken atomically: 40 parallel senders against a budget of 15 get exactly 15", async () => {
    const db = createDb(env.DB);
    const day = Date.UTC(2031, 0, 5, 12);
    const taken = await Promise.all(
      Array.from({ length: 40 }, () => takeSmsFromDailyBudget(db, 15, day)),
    );
    expect(taken.filter(Boolean)).toHaveLength(15);
    // A new UTC day has a full budget again; a budget of 0 sends nothing.
    expect(await takeSmsFromDailyBudget(db, 15, nextSmsBudgetAt(day))).toBe(true);
    expect(await takeSmsFromDailyBudget(db, 0, day + 7 * DAY_MS)).toBe(false);
  });

  it("an SMS invite past the budget waits, queued, for the next day; email is not counted", async () => {
    const { calls } = interceptInviteWebhook([200]);
    const tight = withBudget(2);
    const user = await registerUser();
    const sms = [];
    for (let i = 0; i < 3; i++) {
      sms.push(await inviteWith(tight, user, { channel: "sms", to: uniquePhone() }));
    }
    const email = await inviteWith(tight, user, { channel: "email", to: "friend@example.com" });

    expect(calls).toHaveLength(3);
    expect((await inviteRow(sms[0] ?? ""))?.status).toBe("sent");
    expect((await inviteRow(sms[1] ?? ""))?.status).toBe("sent");
    expect((await inviteRow(email))?.status).toBe("sent");
    const waiting = await inviteRow(sms[2] ?? "");
    const tomorrow = nextSmsBudgetAt(Date.now());
    expect(waiting).toEqual({ status: "queued", attempts: 0, next_attempt_at: tomorrow });

    // The retry job of the next day sends it.
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "* * * * *", scheduledTime: tomorrow + 1000 }),
      tight,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await inviteRow(sms[2] ?? ""))?.status).toBe("sent");
    expect(calls).toHaveLength(4);
  });
});
