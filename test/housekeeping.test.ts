import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import worker from "../src/index";
import { runHousekeeping } from "../src/jobs/housekeeping";
import { callJson, countRows, referrerWith, registerUser } from "./harness";

const DAY = 86_400_000;

describe("housekeeping (scheduled)", () => {
  it("purges idempotency keys after 24 hours, expired refresh tokens and rate-limit counters, and is safe to rerun", async () => {
    const referrer = await referrerWith(3);
    await callJson(
      "POST",
      "/v1/me/redemptions",
      {},
      {
        token: referrer.accessToken,
        headers: { "Idempotency-Key": "housekeeping-key" },
      },
    );
    const keys = await countRows("idempotency_keys");
    const tokens = await countRows("refresh_tokens");
    // Signing up counted the signup limits (per IP and per phone, an hour each).
    const counters = await countRows("rate_limit_counters");
    expect(keys).toBeGreaterThan(0);
    expect(counters).toBeGreaterThan(0);

    const db = createDb(env.DB);
    const nothing = { idempotencyKeys: 0, refreshTokens: 0, rateLimitCounters: 0 };
    expect(await runHousekeeping(db, Date.now())).toEqual(nothing);
    const later = Date.now() + 31 * DAY;
    expect(await runHousekeeping(db, later)).toEqual({
      idempotencyKeys: keys,
      refreshTokens: tokens,
      rateLimitCounters: counters,
    });
    expect(await runHousekeeping(db, later)).toEqual(nothing);
    // The redemption itself stays: only the key that deduplicated it is gone.
    expect(await countRows("redemptions")).toBe(1);
  });

  it("runs from the cron trigger", async () => {
    const user = await registerUser();
    await env.DB.prepare(
      "update refresh_tokens set expires_at = 0 where session_id in (select id from sessions where user_id = ?)",
    )
      .bind(user.id)
      .run();
    const before = await countRows("refresh_tokens");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await countRows("refresh_tokens")).toBe(before - 1);
  });
});
