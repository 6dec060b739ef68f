import { asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { before } from "../db/client";
import { programs } from "../db/schema";
import { auditEntry } from "../platform/audit";
import { type Program, type ProgramRules, ProgramRulesSchema } from "./schemas";

/** The program in force: the newest version. Its rules are re-validated on the way out. */
export async function currentProgram(db: Database): Promise<Program & { createdAt: number }> {
  const row = await db.select().from(programs).orderBy(desc(programs.version)).limit(1).get();
  if (!row) throw new Error("No program is stored: migrations have not been applied.");
  return {
    version: row.version,
    rules: ProgramRulesSchema.parse(row.rules),
    createdAt: row.createdAt,
  };
}

/** The rules of one version: what a referral created under it is paid by. */
export async function programVersion(db: Database, version: number): Promise<Program> {
  const row = await db.select().from(programs).where(eq(programs.version, version)).get();
  if (!row) throw new Error(`Program version ${version} is missing`);
  return { version: row.version, rules: ProgramRulesSchema.parse(row.rules) };
}

/** The rules of these versions, by version (one read for a page of referrals). */
export async function programVersions(
  db: Database,
  versions: readonly number[],
): Promise<Map<number, ProgramRules>> {
  if (versions.length === 0) return new Map();
  const rows = await db
    .select({ version: programs.version, rules: programs.rules })
    .from(programs)
    .where(inArray(programs.version, [...versions]))
    .all();
  return new Map(rows.map((row) => [row.version, ProgramRulesSchema.parse(row.rules)]));
}

/** Every version's rules, oldest first, each read by the rules parser (so with its defaults). */
export async function listPrograms(db: Database): Promise<Program[]> {
  const rows = await db
    .select({ version: programs.version, rules: programs.rules })
    .from(programs)
    .orderBy(asc(programs.version))
    .all();
  return rows.map((row) => ({ version: row.version, rules: ProgramRulesSchema.parse(row.rules) }));
}

/** A page of versions, newest first, `limit + 1` of them for `toPage`. */
export async function listProgramVersions(
  db: Database,
  page: { limit: number; beforeVersion?: number | undefined },
): Promise<(Program & { createdAt: number })[]> {
  const rows = await db
    .select()
    .from(programs)
    .where(before(programs.version, page.beforeVersion))
    .orderBy(desc(programs.version))
    .limit(page.limit + 1)
    .all();
  return rows.map((row) => ({
    version: row.version,
    rules: ProgramRulesSchema.parse(row.rules),
    createdAt: row.createdAt,
  }));
}

/**
 * Publishes new rules as the next version. Referrals keep the version they were rewarded
 * under, so a change applies to referrals created afterwards. The version number is taken
 * inside the insert, so two admins saving at once get two versions, not one lost update.
 */
export async function publishProgram(
  db: Database,
  actorId: string,
  rules: ProgramRules,
  now: number,
) {
  const [[published]] = await db.batch([
    db
      .insert(programs)
      .select(
        sql`select coalesce(max(${programs.version}), 0) + 1, ${JSON.stringify(rules)}, ${now} from ${programs}`,
      )
      .returning({ version: programs.version }),
    auditEntry(db, {
      actorId,
      action: "program.update",
      targetType: "program",
      targetId: "current",
      details: { rules },
      at: now,
    }),
  ]);
  if (!published) throw new Error("The program insert returned no version");
  return { version: published.version, rules, createdAt: now };
}
