// `npm run db:triggers [-- --name <what>]`: compares the triggers that migrations/ produce with
// their one definition, src/db/triggers.ts. The migrations are applied in order to an
// in-memory SQLite (node:sqlite), so a trigger that a migration dropped (a table rebuild drops
// its table's triggers) is named with that migration.
//
//   npm run db:triggers                     lists what differs; exits 1 when anything does
//   npm run db:triggers -- --name <what>    writes migrations/00NN_<what>.sql, registered by
//                                           `drizzle-kit generate --custom`, that drops and
//                                           re-creates each new or changed trigger and drops
//                                           the ones without a definition; then checks that
//                                           the migrations produce exactly the definitions
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const MIGRATIONS = "migrations";
const BREAKPOINT = "\n--> statement-breakpoint\n";

const { values: options } = parseArgs({ options: { name: { type: "string" } } });

const { triggers, createTriggerSql, triggerDrift } = await loadDefinitions();

const { live, droppedBy } = migrate();
const drift = triggerDrift(triggers, live);
if (isEmpty(drift)) {
  console.log(`The migrations produce the ${triggers.length} triggers of src/db/triggers.ts.`);
  process.exit(0);
}
for (const line of describe(drift, droppedBy)) console.log(line);
if (options.name === undefined) {
  console.error(
    "\nWrite the migration that makes them equal: npm run db:triggers -- --name <what>",
  );
  process.exit(1);
}
if (!/^[a-z0-9_]+$/.test(options.name)) {
  console.error("--name: lowercase letters, digits and _ (it names the migration's file)");
  process.exit(1);
}

const file = registerMigration(options.name);
writeFileSync(join(MIGRATIONS, file), migrationSql(drift, droppedBy));
const migrated = migrate();
const after = triggerDrift(triggers, migrated.live);
if (!isEmpty(after)) {
  console.error(`\n${MIGRATIONS}/${file} does not make the triggers equal to their definitions:`);
  for (const line of describe(after, migrated.droppedBy)) console.error(line);
  process.exit(1);
}
console.log(
  `\nWrote ${MIGRATIONS}/${file}: the migrations now produce the ${triggers.length} triggers of src/db/triggers.ts.`,
);

/** src/db/triggers.ts and its comparison, bundled for Node as scripts/openapi.mjs does. */
async function loadDefinitions() {
  const dir = mkdtempSync(join(tmpdir(), "db-triggers-"));
  try {
    const bundle = join(dir, "triggers.mjs");
    await build({
      stdin: {
        contents: `
          export { triggers } from "./src/db/triggers";
          export { createTriggerSql, triggerDrift } from "./src/db/triggers-sql";`,
        resolveDir: process.cwd(),
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: bundle,
      logLevel: "warning",
    });
    return await import(pathToFileURL(bundle).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The triggers after every migration, applied in the order wrangler applies them (by file
 * name), and for each trigger that a migration dropped and none re-created, that migration.
 */
function migrate() {
  const db = new DatabaseSync(":memory:");
  const droppedBy = new Map();
  const triggerNames = () =>
    new Set(
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .all()
        .map((row) => row.name),
    );
  let before = new Set();
  for (const migration of migrationFiles()) {
    try {
      db.exec(readFileSync(join(MIGRATIONS, migration), "utf8"));
    } catch (error) {
      console.error(`${MIGRATIONS}/${migration} fails: ${error.message}`);
      process.exit(1);
    }
    const after = triggerNames();
    for (const name of before) if (!after.has(name)) droppedBy.set(name, migration);
    for (const name of after) droppedBy.delete(name);
    before = after;
  }
  const live = db
    .prepare(
      "SELECT name, tbl_name AS \"table\", sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    )
    .all();
  db.close();
  return { live, droppedBy };
}

function migrationFiles() {
  return readdirSync(MIGRATIONS)
    .filter((name) => name.endsWith(".sql"))
    .sort();
}

function isEmpty(drift) {
  return (
    drift.missing.length === 0 && drift.changed.length === 0 && drift.withoutDefinition.length === 0
  );
}

function describe(drift, droppedBy) {
  return [
    ...drift.missing.map((trigger) => {
      const migration = droppedBy.get(trigger.name);
      return migration === undefined
        ? `+ ${trigger.name}: new`
        : `+ ${trigger.name}: dropped by ${MIGRATIONS}/${migration} (a table rebuilt there loses its triggers)`;
    }),
    ...drift.changed.map((trigger) => `~ ${trigger.name}: changed`),
    ...drift.withoutDefinition.map((trigger) => `- ${trigger.name}: no definition, dropped`),
  ];
}

/** An empty custom migration registered in migrations/meta as drizzle-kit registers one. */
function registerMigration(name) {
  const META = join(MIGRATIONS, "meta");
  const journal = readFileSync(join(META, "_journal.json"), "utf8");
  const filesBefore = new Set([...migrationFiles(), ...readdirSync(META)]);
  const result = spawnSync("npx", ["drizzle-kit", "generate", "--custom", "--name", name], {
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const added = migrationFiles().filter((migration) => !filesBefore.has(migration));
  if (added.length !== 1 || added[0] === undefined) {
    console.error(
      `drizzle-kit added ${added.length} migrations, expected one: ${added.join(", ")}`,
    );
    process.exit(1);
  }
  // A hand-written migration missing from migrations/meta/_journal.json gets the same number
  // and may sort after the new one, which would then run before it: undo the registration.
  const later = migrationFiles().filter((migration) => migration > added[0]);
  if (later.length > 0) {
    rmSync(join(MIGRATIONS, added[0]));
    for (const file of readdirSync(META)) if (!filesBefore.has(file)) rmSync(join(META, file));
    writeFileSync(join(META, "_journal.json"), journal);
    console.error(
      `${added[0]} would run before ${later.join(", ")}, which ${META}/_journal.json does not list: register it there first (nothing was written).`,
    );
    process.exit(1);
  }
  return added[0];
}

function migrationSql(drift, droppedBy) {
  const recreated = [...drift.missing, ...drift.changed].map((trigger) => trigger.name);
  const dropped = drift.withoutDefinition.map((trigger) => trigger.name);
  const header = [
    "-- Hand-written by `npm run db:triggers` from src/db/triggers.ts, the one definition of",
    "-- every trigger: each new or changed trigger is dropped and created again as defined, and",
    "-- a trigger without a definition is dropped.",
    ...describe(drift, droppedBy).map((line) => `-- ${line}`),
  ].join("\n");
  const statements = [
    ...triggers
      .filter((trigger) => recreated.includes(trigger.name))
      .flatMap((trigger) => [
        `DROP TRIGGER IF EXISTS \`${trigger.name}\`;`,
        `-- ${trigger.why}\n${createTriggerSql(trigger)};`,
      ]),
    ...dropped.map((name) => `DROP TRIGGER IF EXISTS \`${name}\`;`),
  ];
  return `${header}\n${statements.join(BREAKPOINT)}\n`;
}
