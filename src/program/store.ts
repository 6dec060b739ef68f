import { desc } from "drizzle-orm";
import { programs } from "../db/schema";
import type { Database } from "../env";
import { type Program, ProgramRulesSchema } from "./rules";

/** The program in force: the newest version. Its rules are re-validated on the way out. */
export async function currentProgram(db: Database): Promise<Program> {
  const row = await db
    .select({ version: programs.version, rules: programs.rules })
    .from(programs)
    .orderBy(desc(programs.version))
    .limit(1)
    .get();
  if (!row) throw new Error("No program is stored: migrations have not been applied.");
  return { version: row.version, rules: ProgramRulesSchema.parse(row.rules) };
}
