import type { Database } from "../db/client";
import type { Deps } from "../platform/deps";
import { type LinkSettings, LinkSettingsSchema, NO_LINK_SETTINGS } from "./schemas";
import { readLinkSettings, writeLinkSettings } from "./store";

/** The settings in force and their version (when they last changed; 0 when never set). */
export interface LinkSettingsInForce {
  settings: LinkSettings;
  version: number;
}

const KV_KEY = "link-settings";
/**
 * KV's shortest life: every PUT rewrites the entry, but two PUTs at once may reach KV in the
 * other order than D1 (KV has no compare-and-set), and a reader that missed may refill it
 * with what it read just before a PUT. Expiring within a minute bounds either to a minute.
 */
const KV_TTL_SECONDS = 60;
const MEMO_MS = 60_000;

let memo: { value: LinkSettingsInForce; until: number } | null = null;

/**
 * The link settings for an invite link, without a D1 read per click: each isolate keeps
 * them for a minute, then reads KV (one read a minute per isolate), and only a KV miss reads
 * D1 (about once a minute per location). A PUT writes the new settings to KV and to its own
 * isolate's memory; other isolates follow within a minute (their memory), plus KV's own
 * propagation and entry life (a minute each): within about two minutes everywhere.
 */
export async function linkSettingsInForce(
  { kv, db, defer }: Pick<Deps, "kv" | "db" | "defer">,
  now: number,
): Promise<LinkSettingsInForce> {
  if (memo && memo.until > now) return memo.value;
  const cached = await kv.get<LinkSettingsInForce>(KV_KEY, "json");
  if (cached) {
    memo = { value: cached, until: now + MEMO_MS };
    return cached;
  }
  const row = await readLinkSettings(db);
  const value: LinkSettingsInForce = row
    ? { settings: LinkSettingsSchema.parse(row.settings), version: row.updatedAt }
    : { settings: NO_LINK_SETTINGS, version: 0 };
  memo = { value, until: now + MEMO_MS };
  defer(kv.put(KV_KEY, JSON.stringify(value), { expirationTtl: KV_TTL_SECONDS }));
  return value;
}

/** Stores new settings (audited), then puts them in KV and this isolate's memory at once. */
export async function saveLinkSettings(
  { kv, db }: Pick<Deps, "kv" | "db">,
  change: { settings: LinkSettings; actorId: string },
  now: number,
): Promise<LinkSettings> {
  await writeLinkSettings(db, { ...change, now });
  const value: LinkSettingsInForce = { settings: change.settings, version: now };
  memo = { value, until: now + MEMO_MS };
  await kv.put(KV_KEY, JSON.stringify(value), { expirationTtl: KV_TTL_SECONDS });
  return change.settings;
}

/** What an admin reads: the stored settings, straight from D1. */
export async function storedLinkSettings(db: Database): Promise<LinkSettings> {
  const row = await readLinkSettings(db);
  return row ? LinkSettingsSchema.parse(row.settings) : NO_LINK_SETTINGS;
}
