import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  callJson,
  expectError,
  expectStatus,
  type QueryOf,
  registerUser,
  type TestUser,
} from "./harness";

async function refer(referrer: TestUser, count: number) {
  for (let i = 0; i < count; i++) await registerUser({ referralCode: referrer.referralCode });
}

/** The board as `token`'s holder (or anyone, without one) sees it. */
async function leaderboard(query: QueryOf<"/v1/leaderboard">, token?: string) {
  const board = await api.GET("/v1/leaderboard", { query, ...(token ? { token } : {}) });
  expectStatus(board, 200);
  return board.body;
}

describe("GET /v1/leaderboard", () => {
  it("ranks by qualified referrals, masks names, and shares ranks on ties", async () => {
    const top = await registerUser({ name: "Zainab Top" });
    const tiedA = await registerUser({ name: "Hamza First" });
    const tiedB = await registerUser({ name: "Hira Second" });
    await refer(top, 3);
    await refer(tiedA, 2);
    await refer(tiedB, 2);
    expect(await leaderboard({ limit: 3 })).toEqual({
      period: "all",
      data: [
        { rank: 1, name: "Zainab T.", referrals: 3 },
        { rank: 2, name: "Hamza F.", referrals: 2 },
        { rank: 2, name: "Hira S.", referrals: 2 },
      ],
      me: null,
    });
  });

  it("tells a signed-in caller their rank, counting ties", async () => {
    const leader = await registerUser();
    const me = await registerUser();
    await refer(leader, 6);
    await refer(me, 1);
    const body = await leaderboard({}, me.accessToken);
    const ahead = await env.DB.prepare(
      "select count(*) as n from leaderboard_entries where period = 'all' and referrals > 1",
    ).first<{ n: number }>();
    expect(body.me).toEqual({ rank: (ahead?.n ?? 0) + 1, referrals: 1 });
    const nobody = await registerUser();
    expect((await leaderboard({}, nobody.accessToken)).me).toBeNull();
  });

  it("keeps week, month and all-time boards", async () => {
    const referrer = await registerUser({ name: "Periodic Person" });
    await refer(referrer, 2);
    for (const period of ["week", "month", "all"] as const) {
      const body = await leaderboard({ period, limit: 100 }, referrer.accessToken);
      expect(body.period).toBe(period);
      expect(body.me?.referrals).toBe(2);
    }
    await env.DB.prepare(
      "update leaderboard_entries set period = 'w:2000-W01' where user_id = ? and period like 'w:%'",
    )
      .bind(referrer.id)
      .run();
    expect((await leaderboard({ period: "week" }, referrer.accessToken)).me).toBeNull();
    expect((await leaderboard({ period: "all" }, referrer.accessToken)).me?.referrals).toBe(2);
  });

  it("keeps the rank histogram equal to the entries", async () => {
    const a = await registerUser();
    await refer(a, 3);
    const drift = await env.DB.prepare(
      `select h.period, h.referrals, h.users, count(e.user_id) as actual
         from leaderboard_histogram h left join leaderboard_entries e
           on e.period = h.period and e.referrals = h.referrals
        group by h.period, h.referrals having h.users <> count(e.user_id)`,
    ).all();
    expect(drift.results).toEqual([]);
  });

  it("refuses bad parameters and a bad token", async () => {
    for (const query of ["?period=year", "?limit=0", "?limit=101"]) {
      expectError(await callJson("GET", `/v1/leaderboard${query}`), 400, "validation_error");
    }
    expectError(
      await callJson("GET", "/v1/leaderboard", undefined, { token: "a.b.c" }),
      401,
      "unauthorized",
    );
  });
});
