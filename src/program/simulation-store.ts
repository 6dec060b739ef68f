import { desc, eq, gte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { referrals, users } from "../db/schema";
import type { ReplayedReferral } from "./simulation";

/** The most referrals one simulation replays: the newest of the window, so a read stays bounded. */
export const MAX_SIMULATED_REFERRALS = 50_000;

const referee = alias(users, "referee");
const referrer = alias(users, "referrer");

/**
 * The referrals created since `from` (newest first, at most MAX_SIMULATED_REFERRALS) with
 * what a replay decides on, in one statement: the referee's events of `eventTypes`, their
 * phone verification, who was erased, and the places their referrer claimed before `from`.
 */
export async function referralsToReplay(
  db: Database,
  from: number,
  eventTypes: readonly string[],
): Promise<ReplayedReferral[]> {
  const types = eventTypes.length > 0 ? eventTypes : [""];
  const rows = await db
    .select({
      id: referrals.id,
      referrerId: referrals.referrerId,
      createdAt: referrals.createdAt,
      status: referrals.status,
      qualifiedAt: referrals.qualifiedAt,
      refereeVerifiedAt: referee.phoneVerifiedAt,
      // Named apart: two columns of one name would collide in a row read as an object.
      refereeErasedAt: sql<number | null>`${referee.erasedAt}`.as("referee_erased_at"),
      referrerErasedAt: sql<number | null>`${referrer.erasedAt}`.as("referrer_erased_at"),
      // Places are claimed in time order, so the last one qualified before the window holds
      // the highest: one index seek on (referrer_id, qualified_at), not a scan of the
      // referrer's places for each of their referrals.
      placesBefore: sql<number>`coalesce((select p.qualified_ordinal from referrals p
        where p.referrer_id = ${referrals.referrerId} and p.qualified_at < ${from}
        order by p.qualified_at desc, p.qualified_ordinal desc limit 1), 0)`,
      events: sql<string>`(select json_group_array(json_array(e.type, e.amount, e.created_at))
        from (select type, amount, created_at from events
              where user_id = ${referrals.refereeId}
                and type in (${sql.join(
                  types.map((type) => sql`${type}`),
                  sql`, `,
                )})
              order by created_at) e)`,
    })
    .from(referrals)
    .innerJoin(referee, eq(referee.id, referrals.refereeId))
    .innerJoin(referrer, eq(referrer.id, referrals.referrerId))
    .where(gte(referrals.createdAt, from))
    .orderBy(desc(referrals.createdAt))
    .limit(MAX_SIMULATED_REFERRALS)
    .all();
  return rows.map((row) => ({
    id: row.id,
    referrerId: row.referrerId,
    createdAt: row.createdAt,
    status: row.status,
    qualifiedAt: row.qualifiedAt,
    refereeVerifiedAt: row.refereeVerifiedAt,
    refereeErasedAt: row.refereeErasedAt,
    referrerErasedAt: row.referrerErasedAt,
    placesBefore: Number(row.placesBefore),
    events: (JSON.parse(row.events) as [string, number | null, number][]).map(
      ([type, amount, at]) => ({ type, amount, at }),
    ),
  }));
}
