import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { triggers } from "../src/db/triggers";
import {
  createTriggerSql,
  type LiveTrigger,
  normalizeSql,
  triggerDrift,
} from "../src/db/triggers-sql";

const FIX =
  "edit src/db/triggers.ts if needed, then `npm run db:triggers -- --name <what>` writes the migration";

/** The triggers of the test database, which has every migration applied. */
async function liveTriggers(): Promise<LiveTrigger[]> {
  const { results } = await env.DB.prepare(
    "SELECT name, tbl_name AS \"table\", sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
  ).all<LiveTrigger>();
  return results;
}

describe("the triggers of the migrated database are src/db/triggers.ts", () => {
  it("has every defined trigger and no other", async () => {
    const drift = triggerDrift(triggers, await liveTriggers());
    expect(
      drift.missing.map((trigger) => trigger.name),
      `defined but not in the migrated database (new, or dropped by a migration: a table rebuild drops its triggers); ${FIX}`,
    ).toEqual([]);
    expect(
      drift.withoutDefinition.map((trigger) => trigger.name),
      `in the migrated database without a definition in src/db/triggers.ts; ${FIX}`,
    ).toEqual([]);
  });

  it("has each trigger exactly as defined", async () => {
    const live = new Map((await liveTriggers()).map((trigger) => [trigger.name, trigger]));
    for (const trigger of triggers) {
      const current = live.get(trigger.name);
      if (current === undefined) continue; // named by the test above
      expect(current.table, `${trigger.name} fires on another table`).toBe(trigger.table);
      expect(normalizeSql(current.sql), `${trigger.name} differs from its definition; ${FIX}`).toBe(
        normalizeSql(createTriggerSql(trigger)),
      );
    }
  });

  it("defines each trigger once, with why it exists", () => {
    const names = triggers.map((trigger) => trigger.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect(triggers.filter((trigger) => trigger.why.trim() === "")).toEqual([]);
  });
});

describe("comparing trigger SQL", () => {
  const written = `CREATE TRIGGER \`t\` BEFORE INSERT ON \`a\`
WHEN NEW.\`points\` > 0
BEGIN
  -- why, in a comment
  SELECT RAISE(ABORT, 'No: it''s  spaced');
END`;

  it("ignores layout, comments, keyword case and quotes around plain identifiers", () => {
    const relaid = `create trigger t before insert on a when new.points>0 begin
      /* another comment */ select raise(abort,'No: it''s  spaced'); end`;
    expect(normalizeSql(relaid)).toBe(normalizeSql(written));
  });

  it("sees a change of a string, a number, an operator or a name", () => {
    for (const changed of [
      written.replace("it''s  spaced", "it''s spaced"),
      written.replace("> 0", "> 1"),
      written.replace("> 0", ">= 0"),
      written.replace("`points`", "`point`"),
      written.replace("BEFORE", "AFTER"),
    ]) {
      expect(normalizeSql(changed)).not.toBe(normalizeSql(written));
    }
  });

  it("names what is missing, changed and without a definition", () => {
    const definition = {
      name: "t",
      table: "a",
      fires: "BEFORE INSERT",
      when: "NEW.points > 0",
      body: "SELECT RAISE(ABORT, 'No: it''s  spaced');",
      why: "A test.",
    };
    const other = { ...definition, name: "u" };
    expect(triggerDrift([definition], [{ name: "t", table: "a", sql: written }])).toEqual({
      missing: [],
      changed: [],
      withoutDefinition: [],
    });
    const drift = triggerDrift(
      [{ ...definition, when: "NEW.points > 1" }, other],
      [
        { name: "t", table: "a", sql: written },
        { name: "v", table: "a", sql: written.replace("`t`", "`v`") },
      ],
    );
    expect(drift.missing.map((trigger) => trigger.name)).toEqual(["u"]);
    expect(drift.changed.map((trigger) => trigger.name)).toEqual(["t"]);
    expect(drift.withoutDefinition.map((trigger) => trigger.name)).toEqual(["v"]);
  });
});
