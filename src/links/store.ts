import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { linkSettings } from "../db/schema";
import { auditEntry } from "../platform/audit";
import type { LinkSettings } from "./schemas";
import type { ClickMessage } from "./service";

/**
 * The clicks of a batch that are new: the first message of each click id (a visitor's
 * repeated hits in one batch share an id; SQLite takes the bare columns of a `min()`
 * aggregate from that row) whose id is not stored yet. The batch travels as ONE bound JSON
 * parameter read with json_each: D1 allows 100 parameters a statement, and a batch is 100
 * clicks of 8 fields.
 */
const FRESH_CLICKS = `with batch as (
    select key as position, value ->> 'id' as click_id, value ->> 'referrerId' as referrer_id,
      value ->> 'code' as code, value ->> 'source' as source, value ->> 'inviteId' as invite_id,
      value ->> 'day' as day, value ->> 'ipHash' as ip_hash, value ->> 'createdAt' as created_at
    from json_each(?1)
  ), fresh as (
    select min(position), click_id, referrer_id, code, source, invite_id, day, ip_hash, created_at
    from batch
    where click_id not in (select id from clicks)
    group by click_id
  )`;

// `where true`: SQLite's parser needs it between an INSERT's SELECT and its ON CONFLICT.
const COUNT_FRESH_CLICKS = [
  `${FRESH_CLICKS}
  insert into daily_stats (day, clicks)
  select day, count(*) from fresh where true group by day
  on conflict (day) do update set clicks = clicks + excluded.clicks`,
  `${FRESH_CLICKS}
  insert into source_stats (user_id, source, clicks)
  select referrer_id, source, count(*) from fresh where true group by referrer_id, source
  on conflict (user_id, source) do update set clicks = clicks + excluded.clicks`,
  `${FRESH_CLICKS}
  insert into daily_source_stats (day, source, clicks)
  select day, source, count(*) from fresh where true group by day, source
  on conflict (day, source) do update set clicks = clicks + excluded.clicks`,
  // An emailed or texted invite is marked clicked by its first click, and only by a click
  // on its sender's code.
  `${FRESH_CLICKS}
  update invites set clicked_at = first.at
  from (select invite_id, referrer_id, min(created_at) as at from fresh group by invite_id, referrer_id) first
  where first.invite_id = invites.id and first.referrer_id = invites.user_id
    and invites.clicked_at is null`,
];

const STORE_FRESH_CLICKS = `${FRESH_CLICKS}
  insert into clicks (id, referrer_id, code, source, invite_id, day, ip_hash, created_at)
  select click_id, referrer_id, code, source, invite_id, day, ip_hash, created_at from fresh`;

/**
 * Stores a batch of clicks as one D1 batch (one transaction, one round trip) and counts
 * them into the funnel counters by aggregate: one upsert per day, per (referrer, source)
 * and per (day, source) of the batch, not three per click. Every statement reads "fresh"
 * before the clicks are inserted by the last one, so a redelivered message or a visitor's
 * second hit that day counts nothing twice.
 *
 * Plain D1 statements rather than Drizzle: Drizzle's D1 `batch()` cannot carry a raw SQL
 * statement that has parameters, and these are raw SQL (CTEs, upserts from a SELECT).
 */
export async function insertClicks(db: Database, batch: readonly ClickMessage[]) {
  if (batch.length === 0) return;
  const d1 = db.$client;
  const clicks = JSON.stringify(batch);
  await d1.batch(
    [...COUNT_FRESH_CLICKS, STORE_FRESH_CLICKS].map((query) => d1.prepare(query).bind(clicks)),
  );
}

/** The stored link settings and when they last changed, or null when an admin never set them. */
export async function readLinkSettings(db: Database) {
  const row = await db
    .select({ settings: linkSettings.settings, updatedAt: linkSettings.updatedAt })
    .from(linkSettings)
    .where(eq(linkSettings.id, 1))
    .get();
  return row ?? null;
}

/** Replaces the link settings with their audit row, in one batch. */
export async function writeLinkSettings(
  db: Database,
  change: { settings: LinkSettings; actorId: string; now: number },
) {
  const row = {
    id: 1,
    settings: change.settings,
    updatedAt: change.now,
    updatedBy: change.actorId,
  };
  await db.batch([
    db
      .insert(linkSettings)
      .values(row)
      .onConflictDoUpdate({
        target: linkSettings.id,
        set: { settings: row.settings, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
      }),
    auditEntry(db, {
      actorId: change.actorId,
      action: "link_settings.update",
      targetType: "link_settings",
      targetId: "link_settings",
      details: change.settings,
      at: change.now,
    }),
  ]);
}
