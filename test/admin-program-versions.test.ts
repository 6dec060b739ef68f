import { describe, expect, it } from "vitest";
import { encodeCursor } from "../src/http/pagination";
import {
  adminUser,
  api,
  callJson,
  expectError,
  expectStatus,
  type QueryOf,
  registerUser,
  type Schemas,
} from "./harness";

type Rules = Schemas["Program"]["rules"];

async function publish(token: string, rules: Rules) {
  const published = await api.PUT("/v1/admin/program", { body: { rules }, token });
  expectStatus(published, 200);
  return published.body;
}

async function programInForce(token: string) {
  const program = await api.GET("/v1/admin/program", { token });
  expectStatus(program, 200);
  return program.body;
}

/** A page of the versions, which must be there. */
async function versions(token: string, query: QueryOf<"/v1/admin/program/versions"> = {}) {
  const page = await api.GET("/v1/admin/program/versions", { query, token });
  expectStatus(page, 200);
  return page.body;
}

describe("admin: program versions", () => {
  it("lists every version newest first, across pages without duplicates or gaps", async () => {
    const admin = await adminUser();
    const current = await programInForce(admin.accessToken);
    for (const bonus of [31, 32, 33]) {
      await publish(admin.accessToken, { ...current.rules, refereeBonus: bonus });
    }

    const first = await versions(admin.accessToken, { limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(Object.keys(first.data[0] ?? {}).sort()).toEqual(["createdAt", "rules", "version"]);
    expect(first.data.map((v) => v.rules.refereeBonus)).toEqual([33, 32]);

    const seen: Schemas["Program"][] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await versions(admin.accessToken, { limit: 2, cursor });
      seen.push(...page.data);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 50);
    const numbers = seen.map((v) => v.version);
    const newest = current.version + 3;
    expect(numbers).toEqual(Array.from({ length: newest }, (_, i) => newest - i));
    expect(seen[3]).toEqual({
      version: current.version,
      rules: current.rules,
      createdAt: current.createdAt,
    });
  });

  it("restores an older version by publishing its rules as a new one", async () => {
    const admin = await adminUser();
    const before = await programInForce(admin.accessToken);
    await publish(admin.accessToken, { ...before.rules, refereeBonus: 44 });
    const older = (await versions(admin.accessToken)).data.find(
      (v) => v.version === before.version,
    );
    expect(older).toBeDefined();
    const restored = await publish(admin.accessToken, older?.rules ?? before.rules);
    expect(restored).toMatchObject({ version: before.version + 2, rules: before.rules });
    const inForce = await programInForce(admin.accessToken);
    expect(inForce.rules).toEqual(before.rules);
  });

  it("refuses a foreign cursor or limit with a 400, anonymous callers and participants", async () => {
    const admin = await adminUser();
    for (const query of [`cursor=${encodeCursor("usr_x")}`, "limit=0", "limit=1000"]) {
      const refused = await callJson("GET", `/v1/admin/program/versions?${query}`, undefined, {
        token: admin.accessToken,
      });
      expectError(refused, 400, "validation_error");
    }
    expectError(await api.GET("/v1/admin/program/versions"), 401, "unauthorized");
    const member = await registerUser();
    const participant = await api.GET("/v1/admin/program/versions", { token: member.accessToken });
    expectError(participant, 403, "forbidden");
  });
});
