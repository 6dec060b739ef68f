import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { explainReason } from "../src/referrals/review-reasons";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  type QueryOf,
  type Schemas,
  type TestUser,
  uniqueIp,
  uniquePhone,
  withProgramChange,
} from "./harness";

/** A referrer who signed up from `ip` on `device`. */
async function referrerAt(ip: string, device: string): Promise<TestUser> {
  return signUp({ ip, device });
}

async function signUp(options: { ip?: string; device?: string; referralCode?: string }) {
  const created = await callJson(
    "POST",
    "/v1/auth/register",
    {
      name: "Farah Malik",
      phone: uniquePhone(),
      password: "correct horse battery",
      ...(options.referralCode ? { referralCode: options.referralCode } : {}),
    },
    {
      ip: options.ip ?? uniqueIp(),
      headers: { "X-Device-Id": options.device ?? `device-${crypto.randomUUID()}` },
    },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { ...created.body.user, accessToken: created.body.accessToken } as TestUser;
}

async function referralIdOf(refereeId: string): Promise<string> {
  const row = await env.DB.prepare("select id from referrals where referee_id = ?")
    .bind(refereeId)
    .first<{ id: string }>();
  if (!row) throw new Error(`no referral of ${refereeId}`);
  return row.id;
}

/** The whole queue for `query` (every page), as the admin sees it. */
async function queue(query: QueryOf<"/v1/admin/referrals">) {
  const admin = await adminUser();
  const items: Schemas["ReviewItem"][] = [];
  let cursor: string | undefined;
  do {
    const page = await api.GET("/v1/admin/referrals", {
      query: { limit: 100, ...query, cursor },
      token: admin.accessToken,
    });
    expectStatus(page, 200);
    items.push(...page.body.data);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

async function auditActions(targetIds: string[]) {
  const { results } = await env.DB.prepare(
    `select target_id, action from audit_log where target_id in (${targetIds.map(() => "?").join(",")})`,
  )
    .bind(...targetIds)
    .all<{ target_id: string; action: string }>();
  return results;
}

describe("the review queue, filtered by reason", () => {
  it("?reason= keeps only the referrals held for that reason", async () => {
    const ip = uniqueIp();
    const device = `device-${crypto.randomUUID()}`;
    const referrer = await referrerAt(ip, device);
    const sameDevice = await signUp({ device, referralCode: referrer.referralCode });
    const sameIp = await signUp({ ip, referralCode: referrer.referralCode });
    const [deviceReferral, ipReferral] = await Promise.all([
      referralIdOf(sameDevice.id),
      referralIdOf(sameIp.id),
    ]);

    const byIp = (await queue({ status: "held", reason: "same_ip" })).map((item) => item.id);
    expect(byIp).toContain(ipReferral);
    expect(byIp).not.toContain(deviceReferral);
    const byDevice = (await queue({ status: "held", reason: "same_device" })).map(
      (item) => item.id,
    );
    expect(byDevice).toContain(deviceReferral);
    expect(byDevice).not.toContain(ipReferral);
    const all = (await queue({ status: "held" })).map((item) => item.id);
    expect(all).toEqual(expect.arrayContaining([deviceReferral, ipReferral]));
    expect(await queue({ status: "held", reason: "country_mismatch" })).toEqual([]);
  });

  it("a reason that is not a hold reason is 400 validation_error", async () => {
    const admin = await adminUser();
    for (const reason of ["same", "SAME_IP", "same_ip:1", "blocklisted%"]) {
      const refused = await callJson(
        "GET",
        `/v1/admin/referrals?status=held&reason=${encodeURIComponent(reason)}`,
        undefined,
        { token: admin.accessToken },
      );
      expectError(refused, 400, "validation_error");
    }
  });
});

describe("the review queue explains each reason", () => {
  it("a velocity cap comes with the cap of the program the referral was made under", async () => {
    let heldId = "";
    await withProgramChange({ caps: { perDay: 1, perMonth: null } }, async () => {
      const referrer = await signUp({});
      await signUp({ referralCode: referrer.referralCode });
      const second = await signUp({ referralCode: referrer.referralCode });
      heldId = await referralIdOf(second.id);
    });
    // The program changed back since: the referral keeps its version's cap.
    const [item] = (await queue({ status: "held", reason: "daily_cap" })).filter(
      (entry) => entry.id === heldId,
    );
    expect(item?.reasons).toEqual(["daily_cap"]);
    expect(item?.reasonDetails).toEqual([{ code: "daily_cap", matched: "1", detail: { cap: 1 } }]);
  });

  it("the same device or network says so, with nothing more (only hashes are kept)", async () => {
    const ip = uniqueIp();
    const device = `device-${crypto.randomUUID()}`;
    const referrer = await referrerAt(ip, device);
    const both = await signUp({ ip, device, referralCode: referrer.referralCode });
    const id = await referralIdOf(both.id);
    const [item] = (await queue({ status: "held" })).filter((entry) => entry.id === id);
    expect(item?.reasons).toEqual(["same_device", "same_ip"]);
    expect(item?.reasonDetails).toEqual([
      { code: "same_device", matched: null },
      { code: "same_ip", matched: null },
    ]);
  });

  it("a reason stored with what matched (code:value) is its code, with the value, and filters by the code", async () => {
    const device = `device-${crypto.randomUUID()}`;
    const referrer = await referrerAt(uniqueIp(), device);
    const referee = await signUp({ device, referralCode: referrer.referralCode });
    const id = await referralIdOf(referee.id);
    // As the block list and the budgets store theirs.
    await env.DB.prepare("update referrals set reasons = ? where id = ?")
      .bind(JSON.stringify(["blocklisted:10.0.0.0/8", "budget_exhausted:pointsPerDay=100"]), id)
      .run();
    const [item] = (await queue({ status: "held", reason: "blocklisted" })).filter(
      (entry) => entry.id === id,
    );
    expect(item?.reasons).toEqual(["blocklisted", "budget_exhausted"]);
    expect(item?.reasonDetails).toEqual([
      { code: "blocklisted", matched: "10.0.0.0/8" },
      { code: "budget_exhausted", matched: "pointsPerDay=100" },
    ]);
    expect(
      (await queue({ status: "held", reason: "budget_exhausted" })).map((e) => e.id),
    ).toContain(id);
    expect((await queue({ status: "held", reason: "same_device" })).map((e) => e.id)).not.toContain(
      id,
    );
  });

  it("explainReason: codes with and without what matched, caps from the rules, admins' words as they are", () => {
    const rules = { caps: { perDay: 5, perMonth: null } };
    expect(explainReason("daily_cap", rules)).toEqual({ code: "daily_cap", matched: "5" });
    expect(explainReason("monthly_cap", rules)).toEqual({ code: "monthly_cap", matched: null });
    expect(explainReason("phone_type:VOIP", rules)).toEqual({
      code: "phone_type",
      matched: "VOIP",
    });
    expect(explainReason("blocklisted", undefined)).toEqual({ code: "blocklisted", matched: null });
    expect(explainReason("duplicate: same person", rules)).toEqual({
      code: "duplicate: same person",
      matched: null,
    });
  });
});

describe("deciding a selection of held referrals (the console calls approve or reject per row)", () => {
  it("approving 8 held referrals of one referrer all at once pays each once, in distinct tier places, each audited", async () => {
    const device = `device-${crypto.randomUUID()}`;
    const referrer = await referrerAt(uniqueIp(), device);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const referee = await signUp({ device, referralCode: referrer.referralCode });
      ids.push(await referralIdOf(referee.id));
    }
    const admin = await adminUser();
    const decided = await Promise.all(
      ids.map((id) =>
        callJson("POST", `/v1/admin/referrals/${id}/approve`, undefined, {
          token: admin.accessToken,
        }),
      ),
    );
    expect(decided.map((response) => response.status)).toEqual(ids.map(() => 200));
    const { results } = await env.DB.prepare(
      `select qualified_ordinal as place, referrer_points as points from referrals
        where referrer_id = ? and status = 'qualified' order by qualified_ordinal`,
    )
      .bind(referrer.id)
      .all<{ place: number; points: number }>();
    expect(results.map((row) => row.place)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(results.map((row) => row.points)).toEqual([50, 50, 50, 100, 100, 100, 100, 100]);
    const audits = await auditActions(ids);
    expect(audits.filter((row) => row.action === "referral.approve")).toHaveLength(8);
    expect(new Set(audits.map((row) => row.target_id))).toEqual(new Set(ids));
  });

  it("rejecting a selection in parallel rejects each once; one decided already is 409, and audited once", async () => {
    const device = `device-${crypto.randomUUID()}`;
    const referrer = await referrerAt(uniqueIp(), device);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const referee = await signUp({ device, referralCode: referrer.referralCode });
      ids.push(await referralIdOf(referee.id));
    }
    const admin = await adminUser();
    const token = { token: admin.accessToken };
    const first = ids[0] ?? "";
    expect(
      (await callJson("POST", `/v1/admin/referrals/${first}/approve`, undefined, token)).status,
    ).toBe(200);
    const decided = await Promise.all(
      [...ids, ...ids].map((id) =>
        callJson("POST", `/v1/admin/referrals/${id}/reject`, { reason: "farm" }, token),
      ),
    );
    const byId = new Map<string, number[]>();
    for (const [i, response] of decided.entries()) {
      const id = [...ids, ...ids][i] ?? "";
      byId.set(id, [...(byId.get(id) ?? []), response.status]);
      if (response.status !== 200) expectError(response, 409, "referral_not_held");
    }
    expect(byId.get(first)).toEqual([409, 409]);
    for (const id of ids.slice(1)) expect(byId.get(id)?.sort()).toEqual([200, 409]);
    const rejections = (await auditActions(ids)).filter((row) => row.action === "referral.reject");
    expect(rejections.map((row) => row.target_id).sort()).toEqual(ids.slice(1).sort());
  });
});
