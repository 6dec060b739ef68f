import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { type Discount, rewards } from "../db/schema";
import { ApiError } from "../errors";
import type { Labels } from "../i18n/schemas";
import { auditEntry } from "../platform/audit";
import { discountProblem } from "./discount";

/** A discount on a reward that cannot have one: 400, with the field named. */
function refuseMisplacedDiscount(
  kind: RewardFields["kind"],
  discount: Discount | null | undefined,
) {
  const problem = discountProblem(kind, discount);
  if (problem) {
    throw new ApiError("validation_error", `discount: ${problem}.`, {
      details: [{ path: "discount", message: problem }],
    });
  }
}

export interface RewardFields {
  name: string;
  description: string;
  cost: number;
  kind: "coupon" | "unlock";
  durationDays?: number | null;
  labels?: Labels | null;
  discount?: Discount | null;
  active: boolean;
}

const adminColumns = {
  id: rewards.id,
  name: rewards.name,
  description: rewards.description,
  cost: rewards.cost,
  kind: rewards.kind,
  durationDays: rewards.durationDays,
  labels: rewards.labels,
  discount: rewards.discount,
  active: rewards.active,
  createdAt: rewards.createdAt,
};

/** The whole catalog, retired rewards included. */
export async function listAllRewards(db: Database) {
  return db.select(adminColumns).from(rewards).orderBy(asc(rewards.cost), asc(rewards.id)).all();
}

async function rewardById(db: Database, id: string) {
  const reward = await db.select(adminColumns).from(rewards).where(eq(rewards.id, id)).get();
  if (!reward) throw new ApiError("not_found", `No reward ${id} exists.`);
  return reward;
}

export async function createReward(
  db: Database,
  actorId: string,
  fields: RewardFields & { id: string },
  now: number,
) {
  refuseMisplacedDiscount(fields.kind, fields.discount);
  await db.batch([
    db.insert(rewards).values({ ...fields, createdAt: now }),
    auditEntry(db, {
      actorId,
      action: "reward.create",
      targetType: "reward",
      targetId: fields.id,
      details: { ...fields },
      at: now,
    }),
  ]);
  return rewardById(db, fields.id);
}

/** Changes some fields of a reward; redemptions already made keep what they cost. */
export async function updateReward(
  db: Database,
  actorId: string,
  id: string,
  changes: Partial<RewardFields>,
  now: number,
) {
  const before = await rewardById(db, id);
  refuseMisplacedDiscount(
    changes.kind ?? before.kind,
    changes.discount === undefined ? before.discount : changes.discount,
  );
  await db.batch([
    db.update(rewards).set(changes).where(eq(rewards.id, id)),
    auditEntry(db, {
      actorId,
      action: "reward.update",
      targetType: "reward",
      targetId: id,
      details: { before, changes },
      at: now,
    }),
  ]);
  return rewardById(db, id);
}
