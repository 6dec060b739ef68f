import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
  adminUser,
  api,
  callJson,
  countRows,
  expectError,
  expectStatus,
  registerUser,
  type Schemas,
  serverKey,
  tableCounts,
  uniquePhone,
} from "./harness";

async function addEntry(body: Record<string, unknown>) {
  const admin = await adminUser();
  return callJson("POST", "/v1/admin/blocklist", body, { token: admin.accessToken });
}

async function removeEntry(id: string) {
  const admin = await adminUser();
  return callJson("DELETE", `/v1/admin/blocklist/${id}`, undefined, { token: admin.accessToken });
}

type NewEntry = Schemas["CreateBlocklistEntryRequest"];

/**
 * A block list entry for the length of `work`, deleted afterwards for the other tests. Sent
 * untyped: the generated request type lists `action` as required, though the API defaults it.
 */
async function withEntry(
  body: Omit<NewEntry, "action"> & Partial<Pick<NewEntry, "action">>,
  work: (entry: Schemas["BlocklistEntry"]) => Promise<void>,
) {
  const created = await addEntry(body);
  expectStatus(created, 201);
  try {
    await work(created.body);
  } finally {
    await removeEntry(created.body.id);
  }
}

function register(
  phone: string,
  options: { ip?: string; country?: string; referralCode?: string; device?: string } = {},
) {
  return callJson(
    "POST",
    "/v1/auth/register",
    {
      name: "Blocked Person",
      phone,
      password: "correct horse battery",
      ...(options.referralCode ? { referralCode: options.referralCode } : {}),
    },
    {
      ...(options.ip ? { ip: options.ip } : {}),
      ...(options.country ? { country: options.country } : {}),
      ...(options.device ? { headers: { "X-Device-Id": options.device } } : {}),
    },
  );
}

async function heldDetailsOf(refereeId: string) {
  const row = await env.DB.prepare(
    "select status, reasons, reason_details from referrals where referee_id = ?",
  )
    .bind(refereeId)
    .first<{ status: string; reasons: string; reason_details: string | null }>();
  return {
    status: row?.status,
    reasons: JSON.parse(row?.reasons ?? "null"),
    details: JSON.parse(row?.reason_details ?? "null"),
  };
}

describe("the block list", () => {
  it("a refused phone prefix answers 403 blocked at register and creates nothing", async () => {
    await withEntry({ type: "phone_prefix", value: "+92 345", action: "refuse" }, async (entry) => {
      expect(entry).toMatchObject({ type: "phone_prefix", value: "+92345", action: "refuse" });
      const before = await tableCounts();
      expectError(await register("+923451234567"), 403, "blocked");
      expect(await tableCounts()).toEqual(before);
      expect((await register(uniquePhone())).status).toBe(201);
    });
  });

  it("a refused IPv4 or IPv6 range refuses addresses inside it and no others", async () => {
    await withEntry({ type: "ip", value: "203.0.113.0/24", action: "refuse" }, async () => {
      await withEntry({ type: "ip", value: "2001:DB8:BAD::/48", action: "refuse" }, async (v6) => {
        expect(v6.value).toBe("2001:db8:bad::/48");
        expectError(await register(uniquePhone(), { ip: "203.0.113.77" }), 403, "blocked");
        expectError(await register(uniquePhone(), { ip: "::ffff:203.0.113.9" }), 403, "blocked");
        expectError(await register(uniquePhone(), { ip: "2001:db8:bad:7::1" }), 403, "blocked");
        expect((await register(uniquePhone(), { ip: "203.0.114.1" })).status).toBe(201);
        expect((await register(uniquePhone(), { ip: "2001:db8:bae::1" })).status).toBe(201);
      });
    });
  });

  it("a refused country matches the phone's country and the request's country", async () => {
    await withEntry({ type: "country", value: "in", action: "refuse" }, async () => {
      expectError(await register("+919876500001"), 403, "blocked");
      expectError(await register(uniquePhone(), { country: "IN" }), 403, "blocked");
      expect((await register(uniquePhone(), { country: "PK" })).status).toBe(201);
    });
  });

  it("a refused device is refused at register, and a refused prefix at participant creation and invites", async () => {
    await withEntry({ type: "device", value: "farm-device-1", action: "refuse" }, async () => {
      expectError(await register(uniquePhone(), { device: "farm-device-1" }), 403, "blocked");
      expect((await register(uniquePhone(), { device: "other-device" })).status).toBe(201);
    });
    await withEntry({ type: "phone_prefix", value: "+92346", action: "refuse" }, async () => {
      const key = await serverKey(["users"]);
      const users = await countRows("users");
      const participant = await callJson(
        "POST",
        "/v1/users",
        { externalId: `shop-${crypto.randomUUID()}`, name: "Shop Person", phone: "+923461234567" },
        { headers: { Authorization: `Bearer ${key.secret}` } },
      );
      expectError(participant, 403, "blocked");
      expect(await countRows("users")).toBe(users);

      const inviter = await registerUser();
      const invites = await countRows("invites");
      const sent = await callJson(
        "POST",
        "/v1/me/invites",
        { channel: "sms", to: "+923461234567" },
        { token: inviter.accessToken },
      );
      expectError(sent, 403, "blocked");
      expect(await countRows("invites")).toBe(invites);
    });
  });

  it("an entry with action hold (the default) holds the referral as blocklisted, with the range it matched", async () => {
    await withEntry({ type: "ip", value: "198.51.100.0/24" }, async (entry) => {
      expect(entry.action).toBe("hold");
      const referrer = await registerUser();
      const signup = await register(uniquePhone(), {
        ip: "198.51.100.20",
        referralCode: referrer.referralCode,
      });
      expect(signup.status).toBe(201);
      expect(await heldDetailsOf(signup.body.user.id)).toEqual({
        status: "held",
        reasons: ["blocklisted"],
        details: [
          {
            code: "blocklisted",
            detail: { entryId: entry.id, type: "ip", value: "198.51.100.0/24" },
          },
        ],
      });
      const admin = await adminUser();
      const queue = await api.GET("/v1/admin/referrals", {
        query: { status: "held", limit: 100 },
        token: admin.accessToken,
      });
      expectStatus(queue, 200);
      const item = queue.body.data.find((row) => row.referee.id === signup.body.user.id);
      expect(item?.reasons).toEqual(["blocklisted"]);
      expect(item?.reasonDetails[0]?.detail?.value).toBe("198.51.100.0/24");
    });
  });

  it("malformed entries and entries that would block everyone are 400 and write nothing", async () => {
    const bad = [
      { type: "ip", value: "10.0.0.0/33" },
      { type: "ip", value: "10.0.0.1/24" },
      { type: "ip", value: "300.1.1.1" },
      { type: "ip", value: "2001:db8::/129" },
      { type: "ip", value: "0.0.0.0/0" },
      { type: "ip", value: "::/0" },
      { type: "phone_prefix", value: "+" },
      { type: "phone_prefix", value: "92300" },
      { type: "phone_prefix", value: "+0300" },
      { type: "country", value: "ZZ" },
      { type: "country", value: "PAK" },
      { type: "device", value: "" },
      { type: "email", value: "x" },
      { type: "ip", value: "10.0.0.0/8", action: "ban" },
    ];
    const before = await countRows("blocklist_entries");
    const audit = await countRows("audit_log");
    for (const body of bad) {
      expectError(await addEntry({ action: "refuse", ...body }), 400, "validation_error");
    }
    expect(await countRows("blocklist_entries")).toBe(before);
    expect(await countRows("audit_log")).toBe(audit);
  });

  it("a deleted entry refuses nothing from the next signup on; add and delete are audited", async () => {
    const created = await addEntry({ type: "phone_prefix", value: "+92347", action: "refuse" });
    expectError(await register("+923471234567"), 403, "blocked");
    expect((await removeEntry(created.body.id)).status).toBe(204);
    expect((await register("+923471234567")).status).toBe(201);
    expectError(await removeEntry(created.body.id), 404, "not_found");

    const admin = await adminUser();
    const log = await api.GET("/v1/admin/audit-log", {
      query: { targetId: created.body.id },
      token: admin.accessToken,
    });
    expectStatus(log, 200);
    expect(log.body.data.map((row) => row.action).sort()).toEqual([
      "blocklist.add",
      "blocklist.remove",
    ]);
  });

  it("an entry written by another Worker instance is matched here within 30 seconds", async () => {
    // Read the list into this isolate's copy, then add an entry behind its back (as another
    // isolate would): the copy is used until it is 30 s old, then read again.
    expect((await register(uniquePhone())).status).toBe(201);
    const admin = await adminUser();
    const id = `blk_other_${crypto.randomUUID()}`;
    await env.DB.prepare(
      "insert into blocklist_entries (id, type, value, action, created_by, created_at) values (?, 'phone_prefix', '+92348', 'refuse', ?, ?)",
    )
      .bind(id, admin.id, Date.now())
      .run();
    try {
      expect((await register("+923481234567")).status).toBe(201);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 30_001 });
      expectError(await register("+923481234568"), 403, "blocked");
    } finally {
      vi.useRealTimers();
      await removeEntry(id);
    }
  });

  it("lists the entries for admins only", async () => {
    await withEntry(
      { type: "device", value: "listed-device", action: "hold", note: "Farm" },
      async (entry) => {
        const admin = await adminUser();
        const listed = await callJson("GET", "/v1/admin/blocklist?limit=100", undefined, {
          token: admin.accessToken,
        });
        expect(listed.body).toEqual({ data: [entry], nextCursor: null });
        const user = await registerUser();
        expectError(
          await callJson("GET", "/v1/admin/blocklist", undefined, { token: user.accessToken }),
          403,
          "forbidden",
        );
        expectError(
          await callJson(
            "POST",
            "/v1/admin/blocklist",
            { type: "device", value: "x" },
            { token: user.accessToken },
          ),
          403,
          "forbidden",
        );
      },
    );
  });
});
