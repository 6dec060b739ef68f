import { describe, expect, it } from "vitest";
import { encodeCursor } from "../src/http/pagination";
import { adminUser, callJson, expectError, type Json, registerUser } from "./harness";

async function publish(token: string, rules: Json) {
  const published = await callJson("PUT", "/v1/admin/program", { rules }, { token });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return published.body;
}

async function versions(token: string, query = "") {
  return callJson("GET", `/v1/admin/program/versions${query ? `?${query}` : ""}`, undefined, {
    token,
  });
}

describe("admin: program versions", () => {
  it("lists every version newest first, across pages without duplicates or gaps", async () => {
    const admin = await adminUser();
    const current = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    for (const bonus of [31, 32, 33]) {
      await publish(admin.accessToken, { ...current.body.rules, refereeBonus: bonus });
    }

    const first = await versions(admin.accessToken, "limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(Object.keys(first.body.data[0]).sort()).toEqual(["createdAt", "rules", "version"]);
    expect(first.body.data.map((v: Json) => v.rules.refereeBonus)).toEqual([33, 32]);

    const seen: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await versions(admin.accessToken, `limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    const numbers = seen.map((v) => v.version);
    const newest = current.body.version + 3;
    expect(numbers).toEqual(Array.from({ length: newest }, (_, i) => newest - i));
    expect(seen[3]).toEqual({
      version: current.body.version,
      rules: current.body.rules,
      createdAt: current.body.createdAt,
    });
  });

  it("restores an older version by publishing its rules as a new one", async () => {
    const admin = await adminUser();
    const before = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    await publish(admin.accessToken, { ...before.body.rules, refereeBonus: 44 });
    const older = (await versions(admin.accessToken)).body.data.find(
      (v: Json) => v.version === before.body.version,
    );
    const restored = await publish(admin.accessToken, older.rules);
    expect(restored).toMatchObject({ version: before.body.version + 2, rules: before.body.rules });
    const inForce = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    expect(inForce.body.rules).toEqual(before.body.rules);
  });

  it("refuses a foreign cursor or limit with a 400, anonymous callers and participants", async () => {
    const admin = await adminUser();
    for (const query of [`cursor=${encodeCursor("usr_x")}`, "limit=0", "limit=1000"]) {
      expectError(await versions(admin.accessToken, query), 400, "validation_error");
    }
    expectError(await callJson("GET", "/v1/admin/program/versions"), 401, "unauthorized");
    const member = await registerUser();
    expectError(await versions(member.accessToken), 403, "forbidden");
  });
});
