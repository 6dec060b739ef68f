import { env } from "cloudflare:workers";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  type QueryOf,
  registerUser,
} from "./harness";

const A_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function adjust(token: string, userId: string, points: number, reason: string) {
  const adjusted = await callJson(
    "POST",
    `/v1/admin/users/${userId}/adjustments`,
    { points, reason },
    { token, headers: { "Idempotency-Key": randomUUID() } },
  );
  expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
  return adjusted.body.adjustment;
}

/** A page of the audit log, which must be there. */
async function auditLog(token: string, query: QueryOf<"/v1/admin/audit-log">) {
  const log = await api.GET("/v1/admin/audit-log", { query, token });
  expectStatus(log, 200);
  return log.body;
}

/** A second admin, promoted by the file's admin: the role is read on every call. */
async function secondAdmin() {
  const admin = await adminUser();
  const other = await registerUser({ name: "Second Admin" });
  const promoted = await callJson(
    "PATCH",
    `/v1/admin/users/${other.id}`,
    { role: "admin" },
    { token: admin.accessToken },
  );
  expect(promoted.status).toBe(200);
  return other;
}

describe("admin: the audit log", () => {
  it("shows what admins did to a user, newest first, with the details of each action", async () => {
    const admin = await adminUser();
    const person = await registerUser({ name: "Ayesha Khan" });
    const credit = await adjust(admin.accessToken, person.id, 25, "Welcome gift");
    const role = await callJson(
      "PATCH",
      `/v1/admin/users/${person.id}`,
      { role: "admin" },
      { token: admin.accessToken },
    );
    expect(role.status).toBe(200);

    const log = await auditLog(admin.accessToken, { targetType: "user", targetId: person.id });
    expect(log).toEqual({
      data: [
        {
          id: expect.stringMatching(/^aud_/),
          actorId: admin.id,
          action: "user.role",
          targetType: "user",
          targetId: person.id,
          details: { from: "user", to: "admin" },
          createdAt: expect.stringMatching(A_SECOND),
        },
        {
          id: expect.stringMatching(/^aud_/),
          actorId: admin.id,
          action: "user.adjust",
          targetType: "user",
          targetId: person.id,
          details: { points: 25, reason: "Welcome gift", ledgerEntryId: credit.id },
          createdAt: credit.createdAt,
        },
      ],
      nextCursor: null,
    });
  });

  it("filters by actor, by action and by target, each alone or together", async () => {
    const admin = await adminUser();
    const other = await secondAdmin();
    const person = await registerUser({ name: "Bilal Ahmed" });
    await adjust(admin.accessToken, person.id, 10, "By the first admin");
    await adjust(other.accessToken, person.id, 20, "By the second admin");
    await callJson(
      "PATCH",
      `/v1/admin/users/${person.id}`,
      { role: "admin" },
      { token: other.accessToken },
    );

    const byOther = await auditLog(admin.accessToken, { actorId: other.id });
    expect(byOther.data.map((entry) => [entry.action, entry.targetId])).toEqual([
      ["user.role", person.id],
      ["user.adjust", person.id],
    ]);
    const adjustments = await auditLog(admin.accessToken, {
      action: "user.adjust",
      targetId: person.id,
    });
    expect(adjustments.data.map((entry) => entry.details.reason)).toEqual([
      "By the second admin",
      "By the first admin",
    ]);
    const both = await auditLog(admin.accessToken, {
      actorId: admin.id,
      action: "user.adjust",
      targetType: "user",
      targetId: person.id,
    });
    expect(both.data.map((entry) => entry.details.reason)).toEqual(["By the first admin"]);
    const none = await auditLog(admin.accessToken, { targetType: "campaign", targetId: person.id });
    expect(none).toEqual({ data: [], nextCursor: null });
  });

  it("pages through the log without duplicates or gaps", async () => {
    const admin = await adminUser();
    const person = await registerUser({ name: "Chand Bibi" });
    for (let i = 1; i <= 5; i++) await adjust(admin.accessToken, person.id, i, `Credit ${i}`);

    const reasons: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await auditLog(admin.accessToken, { targetId: person.id, limit: 2, cursor });
      reasons.push(...page.data.map((entry) => String(entry.details.reason)));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(reasons).toEqual(["Credit 5", "Credit 4", "Credit 3", "Credit 2", "Credit 1"]);

    // The whole log pages the same way: newest first, every entry once.
    const all = await auditLog(admin.accessToken, { limit: 100 });
    const ids = all.data.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it("reads a page of one target's or one admin's entries from an index, without sorting", async () => {
    const plans = [];
    for (const where of [
      "target_id = ?1",
      "target_type = 'user' and target_id = ?1",
      "actor_id = ?1",
    ]) {
      const plan = await env.DB.prepare(
        `explain query plan select * from audit_log
          where ${where} and id < ?2 order by id desc limit 21`,
      )
        .bind("usr_x", "aud_z")
        .all<{ detail: string }>();
      plans.push(plan.results.map((step) => step.detail).join(" / "));
    }
    expect(plans).toEqual([
      expect.stringMatching(
        /^SEARCH audit_log USING INDEX audit_log_target_idx \(target_id=\? AND id<\?\)$/,
      ),
      expect.stringMatching(
        /^SEARCH audit_log USING INDEX audit_log_target_idx \(target_id=\? AND id<\?\)$/,
      ),
      expect.stringMatching(
        /^SEARCH audit_log USING INDEX audit_log_actor_idx \(actor_id=\? AND id<\?\)$/,
      ),
    ]);
  });

  it("refuses bad filters with a 400, anonymous callers with a 401 and participants with a 403", async () => {
    const admin = await adminUser();
    for (const query of [
      "targetType=spaceship",
      "action=DROP%20TABLE",
      "actorId=",
      `targetId=${"x".repeat(65)}`,
      "limit=101",
      "cursor=bm90LWEtY3Vyc29y",
    ]) {
      const refused = await callJson("GET", `/v1/admin/audit-log?${query}`, undefined, {
        token: admin.accessToken,
      });
      expectError(refused, 400, "validation_error");
    }
    expectError(await api.GET("/v1/admin/audit-log"), 401, "unauthorized");
    const member = await registerUser();
    expectError(
      await api.GET("/v1/admin/audit-log", { token: member.accessToken }),
      403,
      "forbidden",
    );
  });
});

describe("admin: the same irreversible action many times at once", () => {
  it("20 parallel revocations of a key: one takes effect and is on record, the rest are 404", async () => {
    const admin = await adminUser();
    const created = await callJson(
      "POST",
      "/v1/admin/api-keys",
      { name: "Checkout", scopes: ["coupons"] },
      { token: admin.accessToken },
    );
    expect(created.status).toBe(201);
    const id = created.body.apiKey.id as string;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        callJson("DELETE", `/v1/admin/api-keys/${id}`, undefined, { token: admin.accessToken }),
      ),
    );
    expect(statuses.map((response) => response.status).sort()).toEqual([
      204,
      ...Array(19).fill(404),
    ]);
    const log = await auditLog(admin.accessToken, { targetId: id });
    expect(log.data.map((entry) => entry.action)).toEqual(["api_key.revoke", "api_key.create"]);
  });

  it("20 parallel deletions of a webhook endpoint: one takes effect and is on record", async () => {
    const admin = await adminUser();
    const created = await callJson(
      "POST",
      "/v1/admin/webhooks",
      { url: "https://receiver.test/hook", events: ["*"] },
      { token: admin.accessToken },
    );
    expect(created.status).toBe(201);
    const id = created.body.webhook.id as string;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        callJson("DELETE", `/v1/admin/webhooks/${id}`, undefined, { token: admin.accessToken }),
      ),
    );
    expect(statuses.map((response) => response.status).sort()).toEqual([
      204,
      ...Array(19).fill(404),
    ]);
    const log = await auditLog(admin.accessToken, { targetId: id });
    expect(log.data.map((entry) => entry.action)).toEqual(["webhook.delete", "webhook.create"]);
  });
});
