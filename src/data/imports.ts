/**
 * POST /v1/admin/imports: moves the users of the Express/MongoDB backend in. Each document
 * is checked alone and written as one unit; documents go to D1 in groups of
 * IMPORT_GROUP per batch (so 1,000 documents need ~50 batches plus ~40 look-ups, within
 * a Worker's limits), and a group whose batch fails is written again one document per
 * batch, so that only the bad document fails. Idempotent by phone.
 */

import type { Database } from "../db/client";
import { violatedConstraint } from "../db/client";
import { canonicalReferralCode } from "../lib/ids";
import { pointsExpireAt } from "../program/rules";
import { currentProgram } from "../program/store";
import {
  existingPhones,
  type ImportedReferrer,
  importedUsersByLegacyId,
  importWrites,
  takenCodes,
} from "./import-store";
import { duplicatesWithin, type LegacyUser, parseLegacyUser, referrersFirst } from "./legacy";

const IMPORT_GROUP = 20;

export interface ImportFailure {
  index: number;
  phone: string | null;
  reason: string;
}

export interface ImportReport {
  created: number;
  skipped: number;
  failed: ImportFailure[];
  referralsLinked: number;
  pointsImported: number;
}

interface Candidate {
  index: number;
  user: LegacyUser;
}

/** Why a document's batch failed. */
function reasonOf(error: unknown): string {
  const constraint = violatedConstraint(error);
  if (constraint === "users.legacy_id") return "_id: already imported under another phone";
  if (constraint === "users.external_id") return "_id: another participant has it as externalId";
  if (constraint === "referral_codes.normalized") return "referralCode: taken by another user";
  return `could not be written${constraint ? ` (${constraint})` : ""}`;
}

export async function importLegacyUsers(
  db: Database,
  documents: readonly unknown[],
  options: { defaultCountry: string | undefined; dryRun: boolean },
  now: number,
): Promise<ImportReport> {
  const report: ImportReport = {
    created: 0,
    skipped: 0,
    failed: [],
    referralsLinked: 0,
    pointsImported: 0,
  };
  const valid: Candidate[] = [];
  documents.forEach((document, index) => {
    const parsed = parseLegacyUser(document, options.defaultCountry, now);
    if (parsed.ok) valid.push({ index, user: parsed.user });
    else report.failed.push({ index, phone: parsed.phone, reason: parsed.reason });
  });
  const duplicates = duplicatesWithin(valid);
  const oldCodes = valid.flatMap((c) =>
    c.user.legacyCode === null ? [] : [canonicalReferralCode(c.user.legacyCode)],
  );
  const referrerIds = valid.flatMap((c) => c.user.referredByLegacyId ?? []);
  const [taken, earlier, program] = await Promise.all([
    takenCodes(db, oldCodes),
    importedUsersByLegacyId(db, [...new Set(referrerIds)]),
    currentProgram(db),
  ]);
  // Phones last: a parallel import of the same documents that wrote its codes before the
  // read above has written its phones too, so those documents are skipped, not refused.
  const present = await existingPhones(
    db,
    valid.map((c) => c.user.phone),
  );
  const fresh: Candidate[] = [];
  for (const candidate of valid) {
    const { index, user } = candidate;
    const duplicate = duplicates.get(index);
    if (present.has(user.phone)) report.skipped += 1;
    else if (duplicate) report.failed.push({ index, phone: user.phone, reason: duplicate });
    else if (user.legacyCode !== null && taken.has(canonicalReferralCode(user.legacyCode))) {
      report.failed.push({
        index,
        phone: user.phone,
        reason: "referralCode: taken by another user (codes match case-insensitively)",
      });
    } else fresh.push(candidate);
  }

  // Referrers: users imported before, or placed earlier in this request (referrers first,
  // wherever they are in the file). A referral is counted only if its referrer was known
  // when it was planned, and so is written with it.
  const referrers = new Map<string, ImportedReferrer>(earlier);
  const planned: {
    candidate: Candidate;
    linked: boolean;
    writes: ReturnType<typeof importWrites>["writes"];
  }[] = [];
  for (const candidate of referrersFirst(fresh)) {
    const { user } = candidate;
    const referrer = user.referredByLegacyId ? referrers.get(user.referredByLegacyId) : undefined;
    const { id, writes } = importWrites(db, {
      user,
      referrer: referrer ?? null,
      programVersion: program.version,
      pointsExpireAt: pointsExpireAt(now, program.rules),
      now,
    });
    referrers.set(user.legacyId, { id, code: user.legacyCode });
    planned.push({ candidate, linked: referrer !== undefined, writes });
  }

  const count = ({ candidate, linked }: (typeof planned)[number]) => {
    report.created += 1;
    if (linked) report.referralsLinked += 1;
    report.pointsImported += candidate.user.points;
  };
  if (options.dryRun) {
    for (const plan of planned) count(plan);
  } else {
    for (let i = 0; i < planned.length; i += IMPORT_GROUP) {
      const group = planned.slice(i, i + IMPORT_GROUP);
      const writes = group.flatMap((p) => p.writes);
      try {
        await db.batch(writes as [(typeof writes)[0], ...typeof writes]);
        for (const plan of group) count(plan);
      } catch {
        // One bad document must not keep the others out: each alone, in order.
        for (const plan of group) {
          const { candidate, writes: own } = plan;
          try {
            await db.batch(own as [(typeof own)[0], ...typeof own]);
            count(plan);
          } catch (error) {
            // A parallel request that imported the same document first: nothing to do.
            if ((await existingPhones(db, [candidate.user.phone])).size > 0) {
              report.skipped += 1;
              continue;
            }
            report.failed.push({
              index: candidate.index,
              phone: candidate.user.phone,
              reason: reasonOf(error),
            });
          }
        }
      }
    }
  }
  report.failed.sort((a, b) => a.index - b.index);
  return report;
}
