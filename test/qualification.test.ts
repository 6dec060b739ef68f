import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import worker from "../src/index";
import { settleReferrals } from "../src/jobs/settlement";
import {
  adminUser,
  call,
  callJson,
  expectError,
  registerUser,
  type TestUser,
  uniqueIp,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

function sendEvent(body: Record<string, unknown>, key: string = env.EVENTS_API_KEY ?? "") {
  return callJson("POST", "/v1/events", body, { headers: { Authorization: `Bearer ${key}` } });
}

async function referralOf(refereeId: string) {
  return env.DB.prepare(
    "select id, status, reasons, uncollected_points from referrals where referee_id = ?",
  )
    .bind(refereeId)
    .first<{ id: string; status: string; reasons: string | null; uncollected_points: number }>();
}

describe("qualifying events", () => {
  it("in purchase mode a referral waits, then the first purchase pays both sides once", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      expect(await walletBalance(referrer.accessToken)).toBe(0);
      expect(await walletBalance(referee.accessToken)).toBe(0);
      const pending = await callJson("GET", "/v1/me/referrals", undefined, {
        token: referrer.accessToken,
      });
      expect(pending.body.data[0].status).toBe("pending");
      expect(pending.body.summary).toMatchObject({ total: 1, pending: 1, qualified: 0 });

      // An event type the program does not list is refused, and qualifies nothing.
      expectError(
        await sendEvent({ type: "signup_done", userId: referee.id, externalId: "evt-a0" }),
        422,
        "unknown_event_type",
      );
      const first = await sendEvent({
        type: "purchase",
        userId: referee.id,
        externalId: "order-1001",
        amount: 2500,
      });
      expect(first.status).toBe(202);
      const referral = await referralOf(referee.id);
      expect(first.body).toEqual({ accepted: true, qualified: [referral?.id], reversed: [] });
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      expect(await walletBalance(referee.accessToken)).toBe(20);
      const paid = await callJson("GET", "/v1/me/wallet", undefined, {
        token: referrer.accessToken,
      });
      expect(paid.body).toMatchObject({ balance: 50, pending: 0 });

      // A replay answers the same and pays nothing; a second purchase qualifies nothing.
      const replay = await sendEvent({
        type: "purchase",
        userId: referee.id,
        externalId: "order-1001",
        amount: 2500,
      });
      expect(replay.body).toEqual(first.body);
      const second = await sendEvent({
        type: "purchase",
        phone: referee.phone,
        externalId: "order-1002",
      });
      expect(second.body.qualified).toEqual([]);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
    });
  });

  it("replayed in parallel, an event credits once", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          sendEvent({ type: "purchase", userId: referee.id, externalId: "order-race" }),
        ),
      );
      expect(responses.every((r) => r.status === 202)).toBe(true);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      expect(await walletBalance(referee.accessToken)).toBe(20);
    });
  });

  it("a refund within the hold period reverses both sides; what was spent is recorded", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    // The referee spends 10 of 20 on nothing we can take back: model it with an admin debit.
    const boss = await adminUser();
    await callJson(
      "POST",
      `/v1/admin/users/${referee.id}/adjustments`,
      { points: -15, reason: "Spent elsewhere" },
      {
        token: boss.accessToken,
        headers: { "Idempotency-Key": `spend-${referee.id}` },
      },
    );
    const refund = await sendEvent({ type: "refund", userId: referee.id, externalId: "refund-1" });
    const referral = await referralOf(referee.id);
    expect(refund.body).toEqual({ accepted: true, qualified: [], reversed: [referral?.id] });
    expect(referral).toMatchObject({ status: "rejected", uncollected_points: 15 });
    expect(await walletBalance(referrer.accessToken)).toBe(0);
    expect(await walletBalance(referee.accessToken)).toBe(0);
    const ledger = await callJson("GET", "/v1/me/wallet/transactions?limit=1", undefined, {
      token: referrer.accessToken,
    });
    expect(ledger.body.data[0]).toMatchObject({ type: "reversal", points: -50 });
    const again = await sendEvent({ type: "refund", userId: referee.id, externalId: "refund-2" });
    expect(again.body.reversed).toEqual([]);
  });

  it("a refund after the hold period changes nothing", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    await env.DB.prepare("update referrals set qualified_at = ? where referee_id = ?")
      .bind(Date.now() - 15 * 86_400_000, referee.id)
      .run();
    const refund = await sendEvent({
      type: "refund",
      userId: referee.id,
      externalId: "refund-late",
    });
    expect(refund.body.reversed).toEqual([]);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("needs the events key, a known user, and a valid body", async () => {
    const user = await registerUser();
    expectError(
      await sendEvent({ type: "purchase", userId: user.id, externalId: "x1" }, "wrong-key"),
      401,
      "unauthorized",
    );
    expectError(
      await callJson("POST", "/v1/events", { type: "purchase", userId: user.id, externalId: "x1" }),
      401,
      "unauthorized",
    );
    expectError(
      await callJson(
        "POST",
        "/v1/events",
        { type: "purchase", userId: user.id, externalId: "x1" },
        { token: user.accessToken },
      ),
      401,
      "unauthorized",
    );
    expectError(
      await sendEvent({ type: "purchase", userId: "usr_nobody", externalId: "x2" }),
      404,
      "not_found",
    );
    for (const body of [
      { type: "purchase", externalId: "x3" },
      { type: "purchase", userId: user.id, phone: user.phone, externalId: "x3" },
      { type: "Purchase!", userId: user.id, externalId: "x3" },
      { type: "purchase", userId: user.id },
    ]) {
      expectError(await sendEvent(body), 400, "validation_error");
    }
    await sendEvent({ type: "purchase", userId: user.id, externalId: "x4" });
    expectError(
      await sendEvent({ type: "refund", userId: user.id, externalId: "x4" }),
      422,
      "idempotency_key_reused",
    );
  });
});

async function registerWith(referrer: TestUser, headers: Record<string, string>) {
  const response = await call(
    "POST",
    "/v1/auth/register",
    {
      name: "Suspicious Friend",
      phone: uniquePhone(),
      password: "correct horse battery",
      referralCode: referrer.referralCode,
    },
    { headers, ip: headers["CF-Connecting-IP"] ?? uniqueIp() },
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { user: { id: string } }).user.id;
}

describe("fraud holds and review", () => {
  it("a referee on the referrer's device or IP is held with reasons, and pays nothing", async () => {
    const ip = uniqueIp();
    const referrerResponse = await call(
      "POST",
      "/v1/auth/register",
      { name: "Sly Referrer", phone: uniquePhone(), password: "correct horse battery" },
      { headers: { "X-Device-Id": "device-123" }, ip },
    );
    const body = (await referrerResponse.json()) as {
      user: { id: string; referralCode: string };
      accessToken: string;
    };
    const referrer = { ...body.user, accessToken: body.accessToken } as unknown as TestUser;
    const sameDevice = await registerWith(referrer, { "X-Device-Id": "device-123" });
    const sameIp = await registerWith(referrer, { "CF-Connecting-IP": ip });
    expect(await referralOf(sameDevice)).toMatchObject({
      status: "held",
      reasons: JSON.stringify(["same_device"]),
    });
    expect(await referralOf(sameIp)).toMatchObject({
      status: "held",
      reasons: JSON.stringify(["same_ip"]),
    });
    expect(await walletBalance(referrer.accessToken)).toBe(0);

    const boss = await adminUser();
    const queue = await callJson("GET", "/v1/admin/referrals?status=held", undefined, {
      token: boss.accessToken,
    });
    const mine = queue.body.data.filter(
      (r: { referrer: { id: string } }) => r.referrer.id === referrer.id,
    );
    expect(mine.map((r: { reasons: string[] }) => r.reasons).sort()).toEqual([
      ["same_device"],
      ["same_ip"],
    ]);

    const approved = await callJson(
      "POST",
      `/v1/admin/referrals/${(await referralOf(sameDevice))?.id}/approve`,
      undefined,
      {
        token: boss.accessToken,
      },
    );
    expect(approved.body.referral.status).toBe("qualified");
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    const rejectedId = (await referralOf(sameIp))?.id;
    const rejected = await callJson(
      "POST",
      `/v1/admin/referrals/${rejectedId}/reject`,
      { reason: "Same household" },
      {
        token: boss.accessToken,
      },
    );
    expect(rejected.body.referral.status).toBe("rejected");
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    // Decided is decided.
    expectError(
      await callJson("POST", `/v1/admin/referrals/${rejectedId}/approve`, undefined, {
        token: boss.accessToken,
      }),
      409,
      "referral_not_held",
    );
    const audit = await env.DB.prepare("select action from audit_log where target_id = ?")
      .bind(rejectedId)
      .all();
    expect(audit.results).toEqual([{ action: "referral.reject" }]);
  });

  it("parallel approvals of one held referral pay once", async () => {
    const ip = uniqueIp();
    const referrerResponse = await call(
      "POST",
      "/v1/auth/register",
      { name: "Twin Referrer", phone: uniquePhone(), password: "correct horse battery" },
      { ip },
    );
    const body = (await referrerResponse.json()) as { user: TestUser; accessToken: string };
    const referrer = { ...body.user, accessToken: body.accessToken };
    const referee = await registerWith(referrer, { "CF-Connecting-IP": ip });
    const id = (await referralOf(referee))?.id;
    const boss = await adminUser();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        callJson("POST", `/v1/admin/referrals/${id}/approve`, undefined, {
          token: boss.accessToken,
        }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(4);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("holds referrals past the daily velocity cap", async () => {
    await withProgramChange({ caps: { perDay: 2, perMonth: null } }, async () => {
      const referrer = await registerUser();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await registerUser({ referralCode: referrer.referralCode })).id);
      const statuses = await Promise.all(ids.map(async (id) => (await referralOf(id))?.status));
      expect(statuses).toEqual(["qualified", "qualified", "held"]);
      expect(await walletBalance(referrer.accessToken)).toBe(100);
    });
  });

  it("referrals made together under the daily cap and waiting for their event pay only up to the cap; approving one pays it", async () => {
    await withProgramChange(
      { qualification: "purchase", caps: { perDay: 2, perMonth: null } },
      async () => {
        const referrer = await registerUser();
        // Four signups while nothing is rewarded yet: each is under the cap when it is made.
        const referees = await Promise.all(
          Array.from({ length: 4 }, () => registerUser({ referralCode: referrer.referralCode })),
        );
        for (const referee of referees) {
          expect((await referralOf(referee.id))?.status).toBe("pending");
        }
        for (const referee of referees) {
          const sent = await sendEvent({
            type: "purchase",
            userId: referee.id,
            externalId: `order-${referee.id}`,
          });
          expect(sent.status).toBe(202);
        }
        const after = await Promise.all(referees.map((referee) => referralOf(referee.id)));
        expect(after.map((referral) => referral?.status)).toEqual([
          "qualified",
          "qualified",
          "held",
          "held",
        ]);
        expect(JSON.parse(after[2]?.reasons ?? "null")).toEqual(["daily_cap"]);
        expect(await walletBalance(referrer.accessToken)).toBe(100);
        const boss = await adminUser();
        const approved = await callJson(
          "POST",
          `/v1/admin/referrals/${after[2]?.id}/approve`,
          undefined,
          { token: boss.accessToken },
        );
        expect(approved.body.referral.status).toBe("qualified");
        expect(await walletBalance(referrer.accessToken)).toBe(150);
      },
    );
  });

  it("in event mode an approved referral waits for its event", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const ip = uniqueIp();
      const referrerResponse = await call(
        "POST",
        "/v1/auth/register",
        { name: "Shop Referrer", phone: uniquePhone(), password: "correct horse battery" },
        { ip },
      );
      const body = (await referrerResponse.json()) as { user: TestUser; accessToken: string };
      const referrer = { ...body.user, accessToken: body.accessToken };
      const referee = await registerWith(referrer, { "CF-Connecting-IP": ip });
      const boss = await adminUser();
      const approved = await callJson(
        "POST",
        `/v1/admin/referrals/${(await referralOf(referee))?.id}/approve`,
        undefined,
        {
          token: boss.accessToken,
        },
      );
      expect(approved.body.referral.status).toBe("pending");
      expect(await walletBalance(referrer.accessToken)).toBe(0);
      await sendEvent({ type: "purchase", userId: referee, externalId: `order-${referee}` });
      expect(await walletBalance(referrer.accessToken)).toBe(50);
    });
  });
});

describe("settlement (scheduled)", () => {
  it("releases referrals past their hold period; a refund no longer reverses them", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode });
    const db = createDb(env.DB);
    const settledAt = async () =>
      (
        await env.DB.prepare("select settled_at from referrals where referee_id = ?")
          .bind(referee.id)
          .first<{ settled_at: number | null }>()
      )?.settled_at;
    await settleReferrals(db, Date.now());
    expect(await settledAt()).toBeNull();
    const later = Date.now() + 15 * 86_400_000;
    expect(await settleReferrals(db, later)).toBeGreaterThanOrEqual(1);
    expect(await settleReferrals(db, later)).toBe(0);
    expect(await settledAt()).toBe(later);
    const refund = await sendEvent({
      type: "refund",
      userId: referee.id,
      externalId: `refund-${referee.id}`,
    });
    expect(refund.body.reversed).toEqual([]);
    expect(await walletBalance(referrer.accessToken)).toBe(50);
  });

  it("runs from the hourly cron with expiry and housekeeping", async () => {
    const referrer = await registerUser();
    await registerUser({ referralCode: referrer.referralCode });
    await env.DB.prepare("update referrals set qualified_at = 0 where referrer_id = ?")
      .bind(referrer.id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const row = await env.DB.prepare("select settled_at from referrals where referrer_id = ?")
      .bind(referrer.id)
      .first<{ settled_at: number | null }>();
    expect(row?.settled_at).not.toBeNull();
  });
});
