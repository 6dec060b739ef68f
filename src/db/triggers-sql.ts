/**
 * How a trigger definition (src/db/triggers.ts) becomes SQL, and how it is compared with a
 * database's: used by test/triggers.test.ts and scripts/db-triggers.mjs, not by the Worker.
 */
import type { TriggerDefinition } from "./triggers";

/** A trigger as a database has it: a row of sqlite_master. */
export interface LiveTrigger {
  readonly name: string;
  readonly table: string;
  readonly sql: string;
}

/** How the database's triggers differ from the definitions. */
export interface TriggerDrift {
  /** Defined, and not in the database: new, or dropped by a migration (a table rebuild). */
  readonly missing: readonly TriggerDefinition[];
  /** In both, with other SQL: the definition changed, or the database was changed by hand. */
  readonly changed: readonly TriggerDefinition[];
  /** In the database without a definition. */
  readonly withoutDefinition: readonly LiveTrigger[];
}

/** The `CREATE TRIGGER` statement of a definition (without the closing `;`). */
export function createTriggerSql(trigger: TriggerDefinition): string {
  const when = trigger.when === undefined ? "" : `\nWHEN ${dedent(trigger.when, "").trimStart()}`;
  return `CREATE TRIGGER \`${trigger.name}\` ${trigger.fires} ON \`${trigger.table}\`${when}\nBEGIN\n${dedent(trigger.body, "  ")}\nEND`;
}

/**
 * The tokens of a statement, joined by single spaces: equal for two texts that SQLite reads
 * alike whatever their layout. Whitespace and comments go; unquoted words (keywords and
 * identifiers, which SQLite reads case-insensitively) are lowercased, and a quoted plain
 * identifier (`name`, "name", [name]) becomes the bare word. String literals, numbers and
 * operators stay exactly as written, so any change of what a trigger does shows.
 */
export function normalizeSql(sql: string): string {
  const tokens: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const char = sql.charAt(i);
    if (/\s/.test(char)) {
      i += 1;
    } else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === "'") {
      const end = quotedEnd(sql, i, "'");
      tokens.push(sql.slice(i, end));
      i = end;
    } else if (char === "`" || char === '"' || char === "[") {
      const end = quotedEnd(sql, i, char === "[" ? "]" : char);
      const inner = sql.slice(i + 1, end - 1);
      tokens.push(/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) ? inner.toLowerCase() : sql.slice(i, end));
      i = end;
    } else {
      const word = /^(?:[A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d+)?)/.exec(sql.slice(i, i + 200));
      const token = word ? word[0] : char;
      tokens.push(word ? token.toLowerCase() : token);
      i += token.length;
    }
  }
  return tokens.join(" ");
}

/** Compares the definitions with a database's triggers (by name, then by normalized SQL). */
export function triggerDrift(
  defined: readonly TriggerDefinition[],
  live: readonly LiveTrigger[],
): TriggerDrift {
  const liveByName = new Map(live.map((trigger) => [trigger.name, trigger]));
  const definedNames = new Set(defined.map((trigger) => trigger.name));
  const missing = defined.filter((trigger) => !liveByName.has(trigger.name));
  const changed = defined.filter((trigger) => {
    const current = liveByName.get(trigger.name);
    return (
      current !== undefined && normalizeSql(current.sql) !== normalizeSql(createTriggerSql(trigger))
    );
  });
  return {
    missing,
    changed,
    withoutDefinition: live.filter((trigger) => !definedNames.has(trigger.name)),
  };
}

/** The index just past a quoted token starting at `start` (a doubled quote escapes it). */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql.charAt(i) === quote) {
      if (quote !== "]" && sql.charAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** Removes blank lines around a text and its common indentation, then indents it by `indent`. */
function dedent(text: string, indent: string): string {
  const lines = text
    .replace(/^\s*\n/, "")
    .trimEnd()
    .split("\n");
  const margin = Math.min(
    ...lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)?.[0].length ?? 0),
  );
  return lines.map((line) => (line.trim() === "" ? "" : indent + line.slice(margin))).join("\n");
}
