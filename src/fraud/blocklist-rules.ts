/**
 * The block list's rules, pure: what an entry may be (one spelling of each value, nothing
 * that would block everyone) and what a signup or an invite matches.
 */
import type { blocklistActions, blocklistTypes } from "../db/schema";
import { formatIpRange, type IpAddress, networkOf, parseIp, parseIpRange } from "../lib/ip";
import { isPhoneRegion } from "../lib/phone";

export type BlocklistType = (typeof blocklistTypes)[number];
export type BlocklistAction = (typeof blocklistActions)[number];

export interface BlocklistEntry {
  id: string;
  type: BlocklistType;
  value: string;
  action: BlocklistAction;
}

/** The longest X-Device-Id the API takes (src/auth/schemas.ts). */
export const DEVICE_ID_MAX_LENGTH = 200;

/**
 * The stored spelling of an entry's value, or why it cannot be one: a malformed value, or
 * one that would match every phone (`+`) or every address (`0.0.0.0/0`, `::/0`).
 *
 * @example canonicalBlocklistValue("ip", "2001:DB8::/32") // { value: "2001:db8::/32" }
 * @example canonicalBlocklistValue("country", "pk") // { value: "PK" }
 */
export function canonicalBlocklistValue(
  type: BlocklistType,
  raw: string,
): { value: string } | { error: string } {
  const text = raw.trim();
  switch (type) {
    case "phone_prefix": {
      const digits = text.replace(/[\s\-().]/g, "");
      if (digits === "+") return { error: "would block every phone: give at least a calling code" };
      if (!/^\+[1-9]\d{0,14}$/.test(digits)) {
        return { error: "must be an E.164 prefix: + and 1 to 15 digits, e.g. +92300" };
      }
      return { value: digits };
    }
    case "country": {
      const code = text.toUpperCase();
      if (!/^[A-Z]{2}$/.test(code) || !isPhoneRegion(code)) {
        return { error: "must be an ISO 3166 alpha-2 country code, e.g. PK" };
      }
      return { value: code };
    }
    case "ip": {
      const range = parseIpRange(text);
      if (!range) {
        return {
          error:
            "must be an IPv4 or IPv6 address or a CIDR range with no host bits set, e.g. 203.0.113.0/24",
        };
      }
      if (range.prefix === 0) return { error: "would block every address" };
      return { value: formatIpRange(range) };
    }
    case "device": {
      if (text.length === 0 || text.length > DEVICE_ID_MAX_LENGTH || /[\p{Cc}]/u.test(text)) {
        return { error: `must be an X-Device-Id: 1 to ${DEVICE_ID_MAX_LENGTH} visible characters` };
      }
      return { value: text };
    }
  }
}

/** Who is asking: the facts of a signup or an invite that entries can match. */
export interface BlocklistSubject {
  /** E.164: the new user's phone, or an SMS invite's recipient. */
  phone?: string | null;
  /** The phone's country (libphonenumber). */
  phoneCountry?: string | null;
  /** The request's country (`request.cf.country`). */
  requestCountry?: string | null;
  ip?: string | null;
  deviceId?: string | null;
}

/** An entry a subject matched, and on what: kept with a held referral for its review. */
export interface BlocklistMatch {
  entryId: string;
  type: BlocklistType;
  value: string;
  action: BlocklistAction;
  /** For a country entry: whether the phone's country or the request's matched. */
  on?: "phone" | "request";
}

/** The entries compiled for look-ups that do not grow with the list (1,000 entries or 10). */
export interface CompiledBlocklist {
  size: number;
  prefixes: Map<string, BlocklistEntry[]>;
  countries: Map<string, BlocklistEntry[]>;
  devices: Map<string, BlocklistEntry[]>;
  /** By "version/prefix length": the networks of that length. */
  networks: Map<string, Map<bigint, BlocklistEntry[]>>;
}

function add<K>(map: Map<K, BlocklistEntry[]>, key: K, entry: BlocklistEntry) {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

export function compileBlocklist(entries: readonly BlocklistEntry[]): CompiledBlocklist {
  const compiled: CompiledBlocklist = {
    size: entries.length,
    prefixes: new Map(),
    countries: new Map(),
    devices: new Map(),
    networks: new Map(),
  };
  for (const entry of entries) {
    if (entry.type === "phone_prefix") add(compiled.prefixes, entry.value, entry);
    else if (entry.type === "country") add(compiled.countries, entry.value, entry);
    else if (entry.type === "device") add(compiled.devices, entry.value, entry);
    else {
      const range = parseIpRange(entry.value);
      if (!range) continue; // stored values are canonical; a bad one blocks nothing
      const key = `${range.version}/${range.prefix}`;
      const networks = compiled.networks.get(key) ?? new Map<bigint, BlocklistEntry[]>();
      compiled.networks.set(key, networks);
      add(networks, range.bits, entry);
    }
  }
  return compiled;
}

function networksOf(compiled: CompiledBlocklist, address: IpAddress): BlocklistEntry[] {
  const found: BlocklistEntry[] = [];
  for (const [key, networks] of compiled.networks) {
    const [version, prefix] = key.split("/").map(Number);
    if (version !== address.version || prefix === undefined) continue;
    found.push(...(networks.get(networkOf(address, prefix)) ?? []));
  }
  return found;
}

/**
 * Every entry the subject matches: a prefix of its phone, its phone's or its request's
 * country, a range holding its address, its device.
 */
export function matchBlocklist(
  compiled: CompiledBlocklist,
  subject: BlocklistSubject,
): BlocklistMatch[] {
  if (compiled.size === 0) return [];
  const matches: BlocklistMatch[] = [];
  const push = (entries: BlocklistEntry[] | undefined, on?: "phone" | "request") => {
    for (const entry of entries ?? []) {
      matches.push({
        entryId: entry.id,
        type: entry.type,
        value: entry.value,
        action: entry.action,
        ...(on ? { on } : {}),
      });
    }
  };
  if (subject.phone) {
    for (let length = 2; length <= subject.phone.length; length++) {
      push(compiled.prefixes.get(subject.phone.slice(0, length)));
    }
  }
  if (subject.phoneCountry) push(compiled.countries.get(subject.phoneCountry), "phone");
  if (subject.requestCountry && subject.requestCountry !== subject.phoneCountry) {
    push(compiled.countries.get(subject.requestCountry.toUpperCase()), "request");
  }
  const address = subject.ip ? parseIp(subject.ip) : null;
  if (address) push(networksOf(compiled, address));
  if (subject.deviceId) push(compiled.devices.get(subject.deviceId));
  return matches;
}

/** Refused when any match says so; otherwise the matches that hold a referral. */
export function blocklistVerdict(
  matches: readonly BlocklistMatch[],
): { refused: BlocklistMatch } | { refused: null; holds: BlocklistMatch[] } {
  const refused = matches.find((match) => match.action === "refuse");
  return refused ? { refused } : { refused: null, holds: [...matches] };
}
