import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  registerUser,
  type Schemas,
  walletBalance,
} from "./harness";

const A_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function adjust(token: string, userId: string, points: number) {
  const adjusted = await callJson(
    "POST",
    `/v1/admin/users/${userId}/adjustments`,
    { points, reason: "Goodwill for a late delivery" },
    { token, headers: { "Idempotency-Key": randomUUID() } },
  );
  expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
}

/** "+923001234567" as a caller might say it: "+92 300 123-4567". */
function spokenPhone(phone: string) {
  return `${phone.slice(0, 3)} ${phone.slice(3, 6)} ${phone.slice(6, 9)}-${phone.slice(9)}`;
}

describe("admin: finding users", () => {
  it("finds a user by phone however it is spelled, with balance and referral counts", async () => {
    const admin = await adminUser();
    const person = await registerUser({ name: "Ayesha Khan" });
    await registerUser({ name: "Bilal Ahmed", referralCode: person.referralCode });
    await adjust(admin.accessToken, person.id, 70);

    const found = await callJson(
      "GET",
      `/v1/admin/users?phone=${encodeURIComponent(spokenPhone(person.phone))}`,
      undefined,
      { token: admin.accessToken },
    );
    expect(found.status).toBe(200);
    const balance = await walletBalance(person.accessToken);
    expect(balance).toBeGreaterThanOrEqual(70);
    expect(found.body).toEqual({
      data: [
        {
          id: person.id,
          name: "Ayesha Khan",
          phone: person.phone,
          role: "user",
          referralCode: person.referralCode,
          referralLink: `https://api.test/r/${person.referralCode}`,
          referredBy: null,
          phoneVerified: false,
          locale: "en",
          notifications: true,
          createdAt: expect.stringMatching(A_SECOND),
          erased: false,
          balance,
          referrals: { total: 1, qualified: expect.any(Number) },
        },
      ],
      nextCursor: null,
    });

    const byId = await callJson("GET", `/v1/admin/users/${person.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(found.body.data[0]);
  });

  it("answers an empty page for a phone nobody has, and a 400 for one that is not a phone", async () => {
    const admin = await adminUser();
    const nobody = await callJson("GET", "/v1/admin/users?phone=%2B923001112299", undefined, {
      token: admin.accessToken,
    });
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual({ data: [], nextCursor: null });

    for (const query of ["phone=12", "phone=not-a-phone", "phone=", "limit=0", "cursor=%25%25"]) {
      const refused = await callJson("GET", `/v1/admin/users?${query}`, undefined, {
        token: admin.accessToken,
      });
      expectError(refused, 400, "validation_error");
    }
    const refused = await callJson("GET", "/v1/admin/users?phone=12", undefined, {
      token: admin.accessToken,
    });
    expect(refused.body.error.details).toEqual([
      { path: "phone", message: expect.stringContaining("valid phone number") },
    ]);
  });

  it("lists users newest first, across pages without duplicates or gaps", async () => {
    const admin = await adminUser();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await registerUser({ name: `Paged Person ${i}` })).id);

    const seen: Schemas["AdminUser"][] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.GET("/v1/admin/users", {
        query: { limit: 2, cursor },
        token: admin.accessToken,
      });
      expectStatus(page, 200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data);
      cursor = page.body.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 100);

    const ids = seen.map((user) => user.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort().reverse());
    // The newest five are the ones just made, newest first.
    expect(ids.slice(0, 5)).toEqual([...made].reverse());
    const all = await api.GET("/v1/admin/users", {
      query: { limit: 100 },
      token: admin.accessToken,
    });
    expectStatus(all, 200);
    expect(all.body.data.map((user) => user.id)).toEqual(ids);
  });

  it("shows an erased user as erased, without a phone", async () => {
    const admin = await adminUser();
    const person = await registerUser({ name: "Chand Bibi" });
    const erased = await callJson("DELETE", `/v1/admin/users/${person.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(erased.status).toBe(204);
    const shown = await callJson("GET", `/v1/admin/users/${person.id}`, undefined, {
      token: admin.accessToken,
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: person.id,
      name: "Deleted user",
      phone: null,
      erased: true,
      balance: 0,
    });
    // The phone is free again: nobody has it.
    const byPhone = await callJson(
      "GET",
      `/v1/admin/users?phone=${encodeURIComponent(person.phone)}`,
      undefined,
      { token: admin.accessToken },
    );
    expect(byPhone.body).toEqual({ data: [], nextCursor: null });
  });

  it("answers 404 for an unknown id, 401 without a token and 403 for a participant", async () => {
    const admin = await adminUser();
    expectError(
      await callJson("GET", "/v1/admin/users/usr_nobody", undefined, { token: admin.accessToken }),
      404,
      "not_found",
    );
    const member = await registerUser();
    for (const path of ["/v1/admin/users", `/v1/admin/users/${member.id}`]) {
      expectError(await callJson("GET", path), 401, "unauthorized");
      expectError(
        await callJson("GET", path, undefined, { token: member.accessToken }),
        403,
        "forbidden",
      );
    }
  });
});
