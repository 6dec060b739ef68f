/**
 * The events of each write path, for its batch: the pure `data` builders of rules.ts put
 * through the one outbox builder. Write paths append these and know nothing else of webhooks.
 */
import { sql } from "drizzle-orm";
import { ledgerEntries, unlocks } from "../db/schema";
import type { EventDeps } from "../platform/deps";
import { webhookEventStatements } from "./outbox";
import {
  campaignCompletedData,
  type ReferralFacts,
  referralEventData,
  rewardRedeemedData,
  unlockGrantedData,
  type WebhookEventType,
} from "./rules";

type ReferralEventType = Extract<WebhookEventType, `referral.${string}`>;

/** `referral.*` events of one referral as it is after the batch (null types are skipped). */
export function referralEvents(
  deps: EventDeps,
  types: (ReferralEventType | null)[],
  referral: ReferralFacts,
  now: number = referral.createdAt,
) {
  const data = referralEventData(referral);
  return types.flatMap((type) => (type ? webhookEventStatements(deps, { type, data, now }) : []));
}

/**
 * `unlock.granted`, only if this batch granted it: granting an unlock the user already has
 * is a no-op, and announces nothing.
 */
export function unlockGrantedEvent(
  deps: EventDeps,
  grant: { userId: string; unlock: string; source: "milestone" | "redemption"; at: number },
) {
  return webhookEventStatements(deps, {
    type: "unlock.granted",
    data: unlockGrantedData(grant),
    now: grant.at,
    onlyIf: sql`exists (select 1 from ${unlocks}
      where ${unlocks.userId} = ${grant.userId} and ${unlocks.unlock} = ${grant.unlock}
        and ${unlocks.source} = ${grant.source} and ${unlocks.grantedAt} = ${grant.at})`,
  });
}

export function campaignCompletedEvent(
  deps: EventDeps,
  award: { userId: string; campaignId: string; bonusPoints: number; at: number },
) {
  return webhookEventStatements(deps, {
    type: "campaign.completed",
    data: campaignCompletedData(award),
    now: award.at,
  });
}

export function rewardRedeemedEvent(
  deps: EventDeps,
  redemption: Parameters<typeof rewardRedeemedData>[0],
) {
  return webhookEventStatements(deps, {
    type: "reward.redeemed",
    data: rewardRedeemedData(redemption),
    now: redemption.createdAt,
  });
}

/**
 * `points.expired` for the expiry entry `ledgerEntryId` of this batch: its amount is only
 * known when the batch runs (what was left of the lot), so `data` is read from the entry,
 * and a lot spent to nothing first (no entry) announces nothing.
 */
export function pointsExpiredEvent(deps: EventDeps, ledgerEntryId: string, now: number) {
  const entry = sql`from ${ledgerEntries} where ${ledgerEntries.id} = ${ledgerEntryId}`;
  return webhookEventStatements(deps, {
    type: "points.expired",
    data: sql`(select json_object('userId', ${ledgerEntries.userId}, 'points', -${ledgerEntries.points}) ${entry})`,
    now,
    onlyIf: sql`exists (select 1 ${entry})`,
  });
}
