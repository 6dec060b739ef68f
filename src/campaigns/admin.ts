import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { campaigns } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { auditEntry } from "../platform/audit";
import type { Campaign } from "./rules";
import { findCampaign } from "./store";

export type CampaignFields = Omit<Campaign, "id">;

async function existingCampaign(db: Database, id: string) {
  const campaign = await findCampaign(db, id);
  if (!campaign) throw new ApiError("not_found", `No campaign ${id} exists.`);
  return campaign;
}

function assertWindow(fields: { startsAt: number; endsAt: number }) {
  if (fields.endsAt <= fields.startsAt) {
    throw new ApiError("validation_error", "The request is not valid.", {
      details: [{ path: "endsAt", message: "must be after startsAt" }],
    });
  }
}

export async function createCampaign(
  db: Database,
  actorId: string,
  fields: CampaignFields,
  now: number,
) {
  assertWindow(fields);
  const id = newId("cmp", now);
  await db.batch([
    db.insert(campaigns).values({ id, ...fields, createdAt: now }),
    auditEntry(db, {
      actorId,
      action: "campaign.create",
      targetType: "campaign",
      targetId: id,
      details: { ...fields },
      at: now,
    }),
  ]);
  return existingCampaign(db, id);
}

/** Changes a campaign; bonuses already awarded stay awarded. */
export async function updateCampaign(
  db: Database,
  actorId: string,
  id: string,
  changes: Partial<CampaignFields>,
  now: number,
) {
  const before = await existingCampaign(db, id);
  assertWindow({ ...before, ...changes });
  await db.batch([
    db.update(campaigns).set(changes).where(eq(campaigns.id, id)),
    auditEntry(db, {
      actorId,
      action: "campaign.update",
      targetType: "campaign",
      targetId: id,
      details: { before, changes },
      at: now,
    }),
  ]);
  return existingCampaign(db, id);
}
