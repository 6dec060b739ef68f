import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  call,
  callJson,
  registerUser,
  type TestUser,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

function sendEvent(body: Record<string, unknown>) {
  return callJson("POST", "/v1/events", body, {
    headers: { Authorization: `Bearer ${env.EVENTS_API_KEY ?? ""}` },
  });
}

function purchase(referee: TestUser) {
  return sendEvent({ type: "purchase", userId: referee.id, externalId: `order-${referee.id}` });
}

/** A referrer registered from `device`: referees signing up from it are held. */
async function referrerOnDevice(device: string): Promise<TestUser> {
  const response = await call(
    "POST",
    "/v1/auth/register",
    { name: "Device Owner", phone: uniquePhone(), password: "correct horse battery" },
    { headers: { "X-Device-Id": device } },
  );
  expect(response.status).toBe(201);
  const body = (await response.json()) as { user: TestUser; accessToken: string };
  return { ...body.user, accessToken: body.accessToken };
}

/** A referee of `referrer` signing up from `device`; returns their referral's id. */
async function heldReferee(referrer: TestUser, device: string): Promise<string> {
  const response = await callJson(
    "POST",
    "/v1/auth/register",
    {
      name: "Same Device",
      phone: uniquePhone(),
      password: "correct horse battery",
      referralCode: referrer.referralCode,
    },
    { headers: { "X-Device-Id": device } },
  );
  expect(response.status).toBe(201);
  const referral = await referralOf(response.body.user.id);
  expect(referral.status).toBe("held");
  return referral.id;
}

async function referralOf(refereeId: string) {
  const row = await env.DB.prepare(
    "select id, status, referrer_points, qualified_ordinal from referrals where referee_id = ?",
  )
    .bind(refereeId)
    .first<{ id: string; status: string; referrer_points: number; qualified_ordinal: number }>();
  if (!row) throw new Error(`no referral of ${refereeId}`);
  return row;
}

/** Each referral's (tier place, points) once qualified, by place. */
async function qualifiedPlaces(referrerId: string) {
  const { results } = await env.DB.prepare(
    `select qualified_ordinal as place, referrer_points as points from referrals
      where referrer_id = ? and status = 'qualified' order by qualified_ordinal`,
  )
    .bind(referrerId)
    .all<{ place: number; points: number }>();
  return results;
}

async function rewardsCredited(referrerId: string) {
  const row = await env.DB.prepare(
    "select coalesce(sum(points), 0) as n from ledger_entries where user_id = ? and type = 'referral_reward'",
  )
    .bind(referrerId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function wallet(user: TestUser) {
  return (await callJson("GET", "/v1/me/wallet", undefined, { token: user.accessToken })).body;
}

async function referralsShown(referrer: TestUser) {
  const { body } = await callJson("GET", "/v1/me/referrals?limit=100", undefined, {
    token: referrer.accessToken,
  });
  return body.data as { id: string; status: string; rewardPoints: number }[];
}

function approve(admin: TestUser, id: string) {
  return callJson("POST", `/v1/admin/referrals/${id}/approve`, undefined, {
    token: admin.accessToken,
  });
}

describe("tiers follow the order in which referrals qualify", () => {
  it("in purchase mode the first three referees to buy pay the first tier, whatever their signup order", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referees: TestUser[] = [];
      for (let i = 0; i < 4; i++) {
        referees.push(await registerUser({ referralCode: referrer.referralCode }));
      }
      const [first, second, third, fourth] = referees as [TestUser, TestUser, TestUser, TestUser];
      // The last to sign up is the first to buy: it pays the first tier.
      expect((await purchase(fourth)).status).toBe(202);
      expect(await walletBalance(referrer.accessToken)).toBe(50);
      await purchase(third);
      await purchase(second);
      expect(await walletBalance(referrer.accessToken)).toBe(150);
      // The first to sign up qualifies fourth: the second tier.
      await purchase(first);
      expect(await walletBalance(referrer.accessToken)).toBe(250);
      expect((await referralOf(fourth.id)).qualified_ordinal).toBe(1);
      expect(await referralOf(first.id)).toMatchObject({
        qualified_ordinal: 4,
        referrer_points: 100,
      });
      const shown = await referralsShown(referrer);
      expect(shown.map((r) => r.rewardPoints)).toEqual([50, 50, 50, 100]); // newest first
      expect(await wallet(referrer)).toMatchObject({ balance: 250, pending: 0 });
    });
  });

  it("held referrals take no tier place: a clean signup after three held ones pays the first tier", async () => {
    const device = `tiers-held-${crypto.randomUUID()}`;
    const referrer = await referrerOnDevice(device);
    const held = [
      await heldReferee(referrer, device),
      await heldReferee(referrer, device),
      await heldReferee(referrer, device),
    ];
    await registerUser({ referralCode: referrer.referralCode });
    expect(await walletBalance(referrer.accessToken)).toBe(50);
    // Approved later, they take the places after it: 2, 3 and 4.
    const admin = await adminUser();
    for (const id of held) expect((await approve(admin, id)).status).toBe(200);
    expect(await qualifiedPlaces(referrer.id)).toEqual([
      { place: 1, points: 50 },
      { place: 2, points: 50 },
      { place: 3, points: 50 },
      { place: 4, points: 100 },
    ]);
    expect(await walletBalance(referrer.accessToken)).toBe(250);
  });

  it("parallel purchases of one referrer's referees each take their own tier place", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      // Two referees who never buy signed up first: they take no place.
      await registerUser({ referralCode: referrer.referralCode });
      await registerUser({ referralCode: referrer.referralCode });
      const buyers: TestUser[] = [];
      for (let i = 0; i < 6; i++) {
        buyers.push(await registerUser({ referralCode: referrer.referralCode }));
      }
      const responses = await Promise.all(buyers.map(purchase));
      expect(responses.map((r) => r.body.qualified.length)).toEqual([1, 1, 1, 1, 1, 1]);
      const places = await qualifiedPlaces(referrer.id);
      expect(places.map((p) => p.place)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(places.map((p) => p.points)).toEqual([50, 50, 50, 100, 100, 100]);
      expect(await rewardsCredited(referrer.id)).toBe(450);
      expect(await wallet(referrer)).toMatchObject({ balance: 450, pending: 50 + 50 });
    });
  });

  it("parallel approvals of one referrer's held referrals each take their own tier place", async () => {
    const device = `tiers-approve-${crypto.randomUUID()}`;
    const referrer = await referrerOnDevice(device);
    const held: string[] = [];
    for (let i = 0; i < 5; i++) held.push(await heldReferee(referrer, device));
    await registerUser({ referralCode: referrer.referralCode }); // place 1
    const admin = await adminUser();
    const responses = await Promise.all(held.map((id) => approve(admin, id)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const places = await qualifiedPlaces(referrer.id);
    expect(places.map((p) => p.place)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(places.map((p) => p.points)).toEqual([50, 50, 50, 100, 100, 100]);
    expect(await rewardsCredited(referrer.id)).toBe(450);
    expect(await walletBalance(referrer.accessToken)).toBe(450);
  });

  it("a waiting referral shows what it pays if those ahead of it qualify first; the wallet's pending drops by exactly that when it qualifies", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referees: TestUser[] = [];
      for (let i = 0; i < 4; i++) {
        referees.push(await registerUser({ referralCode: referrer.referralCode }));
      }
      expect((await referralsShown(referrer)).map((r) => r.rewardPoints)).toEqual([
        100, 50, 50, 50,
      ]);
      expect(await wallet(referrer)).toMatchObject({ balance: 0, pending: 250 });
      expect(await wallet(referees[0] as TestUser)).toMatchObject({ balance: 0, pending: 20 });

      await purchase(referees[3] as TestUser);
      expect((await referralsShown(referrer)).map((r) => r.rewardPoints)).toEqual([50, 50, 50, 50]);
      expect(await wallet(referrer)).toMatchObject({ balance: 50, pending: 150 });
    });
  });

  it("a referral left pending by the signup-order rule is paid by its qualification place", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      // As the signup-order rule left it: its referrer's 11th signup (ten before it since
      // rejected), showing and counting as pending the third tier's 150.
      const { id } = await referralOf(referee.id);
      await env.DB.batch([
        env.DB.prepare("update referrals set referrer_points = 150 where id = ?").bind(id),
        env.DB.prepare(
          "update referral_stats set pending_points = pending_points + 100 where user_id = ?",
        ).bind(referrer.id),
      ]);
      expect(await wallet(referrer)).toMatchObject({ balance: 0, pending: 150 });

      await purchase(referee);
      expect(await referralOf(referee.id)).toMatchObject({
        status: "qualified",
        qualified_ordinal: 1,
        referrer_points: 50,
      });
      expect(await wallet(referrer)).toMatchObject({ balance: 50, pending: 0 });
    });
  });

  it("a reversed referral keeps its tier place: the next to qualify pays the tier after it", async () => {
    const referrer = await registerUser();
    const referees: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      referees.push(await registerUser({ referralCode: referrer.referralCode }));
    }
    const refund = await sendEvent({
      type: "refund",
      userId: (referees[2] as TestUser).id,
      externalId: `refund-${referrer.id}`,
    });
    expect(refund.body.reversed).toHaveLength(1);
    const next = await registerUser({ referralCode: referrer.referralCode });
    expect(await referralOf(next.id)).toMatchObject({ qualified_ordinal: 4, referrer_points: 100 });
    expect(await walletBalance(referrer.accessToken)).toBe(50 + 50 + 100);
  });

  it("my stats' tier counts qualified places: waiting referrals do not move it", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      for (let i = 0; i < 4; i++) await registerUser({ referralCode: referrer.referralCode });
      const stats = await callJson("GET", "/v1/me/stats", undefined, {
        token: referrer.accessToken,
      });
      expect(stats.body).toMatchObject({
        signups: 4,
        qualified: 0,
        tier: { current: 1, nextAt: 4 },
      });
    });
  });
});
