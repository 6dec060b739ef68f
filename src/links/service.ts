import { hmacSha256Hex, sha256Hex } from "../lib/crypto";
import { canonicalReferralCode, isLookupableReferralCode } from "../lib/ids";
import { maskName } from "../lib/names";
import { dayOf } from "../lib/time";
import type { Deps } from "../platform/deps";
import { codeExpiresAt } from "../program/rules";
import { currentProgram } from "../program/store";
import { findReferrerByCode } from "../users/store";

/** What an invite link needs to know about its code, cached in KV. */
export interface LinkTarget {
  referrerId: string;
  code: string;
  expiresAt: number | null;
  /** The referrer as others see them ("Ayesha K."); absent from entries cached before it was kept. */
  name?: string;
}

type CachedLink = LinkTarget | { missing: true };

const HIT_TTL_SECONDS = 3600;
const MISS_TTL_SECONDS = 60;

const cacheKey = (code: string) => `link:${code}`;

/**
 * In front of KV, each isolate remembers codes for a minute: a busy link is then served
 * with no storage read at all. Bounded; the oldest entry makes room.
 */
const isolateMemo = new Map<string, { link: CachedLink; until: number }>();
const MEMO_MS = 60_000;
const MEMO_MAX_ENTRIES = 10_000;

function remember(code: string, link: CachedLink, now: number) {
  if (isolateMemo.size >= MEMO_MAX_ENTRIES) {
    const oldest = isolateMemo.keys().next().value;
    if (oldest !== undefined) isolateMemo.delete(oldest);
  }
  isolateMemo.set(code, { link, until: now + MEMO_MS });
}

const toTarget = (link: CachedLink) => ("missing" in link ? null : link);

/**
 * The referrer behind a code, for the invite link: from the isolate's memory or one KV
 * read on the hot path, D1 only on a miss. Unknown codes are cached too, briefly, so that a
 * flood of made-up codes does not reach D1. A code's KV entry lives an hour at most, so a
 * program change to code expiry reaches links within the hour.
 */
export async function resolveLinkCode(
  { kv, db, defer }: Pick<Deps, "kv" | "db" | "defer">,
  input: string,
  now: number,
): Promise<LinkTarget | null> {
  const code = canonicalReferralCode(input);
  if (!isLookupableReferralCode(code)) return null;
  const memo = isolateMemo.get(code);
  if (memo && memo.until > now) return toTarget(memo.link);
  const cached = await kv.get<CachedLink>(cacheKey(code), "json");
  if (cached) {
    remember(code, cached, now);
    return toTarget(cached);
  }

  const [owner, program] = await Promise.all([findReferrerByCode(db, code), currentProgram(db)]);
  const target: CachedLink = owner
    ? {
        referrerId: owner.id,
        code: owner.referralCode,
        expiresAt: codeExpiresAt(owner.referralCodeCreatedAt, program.rules),
        name: maskName(owner.name),
      }
    : { missing: true };
  remember(code, target, now);
  defer(
    kv.put(cacheKey(code), JSON.stringify(target), {
      expirationTtl: owner ? HIT_TTL_SECONDS : MISS_TTL_SECONDS,
    }),
  );
  return toTarget(target);
}

/**
 * Forgets codes that changed owner or stopped existing, in KV and in this isolate. Other
 * isolates may serve an old code for up to a minute (their memory's lifetime).
 */
export async function forgetLinkCodes(kv: KVNamespace, codes: readonly string[]) {
  for (const code of codes) isolateMemo.delete(code);
  await Promise.all(codes.map((code) => kv.delete(cacheKey(code))));
}

export interface Click {
  target: LinkTarget;
  source: string;
  inviteId: string | null;
  ip: string;
  now: number;
}

/**
 * A click as it travels through the `CLICKS` queue: the IP already reduced to a salted
 * hash, and an id derived from visitor (IP hash), code and day, so that a repeated visit
 * and a redelivered message are the same click, stored once.
 */
export interface ClickMessage {
  id: string;
  referrerId: string;
  code: string;
  source: string;
  inviteId: string | null;
  day: string;
  ipHash: string;
  createdAt: number;
}

export async function clickMessage(ipHashSalt: string, click: Click): Promise<ClickMessage> {
  const { target, source, inviteId, ip, now } = click;
  const day = dayOf(now);
  const ipHash = (await hmacSha256Hex(ipHashSalt, ip)).slice(0, 32);
  const id = `clk_${(await sha256Hex(`${day}|${target.code}|${ipHash}`)).slice(0, 32)}`;
  return {
    id,
    referrerId: target.referrerId,
    code: target.code,
    source,
    inviteId,
    day,
    ipHash,
    createdAt: now,
  };
}
