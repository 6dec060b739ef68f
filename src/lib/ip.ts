/**
 * IP addresses and CIDR ranges as numbers: the block list compares a client's address with
 * ranges, IPv4 (32 bits) and IPv6 (128 bits) alike. An IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 clients) is its IPv4 address.
 */

export interface IpAddress {
  version: 4 | 6;
  bits: bigint;
}

export interface IpRange extends IpAddress {
  /** The network's prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  prefix: number;
}

/** The four octets of a dotted-decimal IPv4 address, or null when it is not one. */
export function ipv4Octets(text: string): number[] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail); null if malformed. */
export function ipv6Groups(text: string): number[] | null {
  let address = text.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (tail) {
    const octets = ipv4Octets(tail);
    if (!octets) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    address = `${address.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string | undefined) => (half ? half.split(":") : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...rest];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

/** The upper 96 bits of an IPv4-mapped IPv6 address. */
const MAPPED_IPV4 = 0xffffn;

/**
 * An address as a number, or null when the text is not an address.
 *
 * @example parseIp("::ffff:203.0.113.7") // { version: 4, bits: 3405803783n }
 */
export function parseIp(text: string): IpAddress | null {
  const trimmed = text.trim().replace(/%.*$/, "");
  const octets = ipv4Octets(trimmed);
  if (octets)
    return { version: 4, bits: octets.reduce((n, octet) => (n << 8n) | BigInt(octet), 0n) };
  const groups = ipv6Groups(trimmed);
  if (!groups) return null;
  const bits = groups.reduce((n, group) => (n << 16n) | BigInt(group), 0n);
  return bits >> 32n === MAPPED_IPV4
    ? { version: 4, bits: bits & 0xffffffffn }
    : { version: 6, bits };
}

function widthOf(version: 4 | 6): number {
  return version === 4 ? 32 : 128;
}

/** The network of `address` with a prefix of `prefix` bits (the host bits cleared). */
export function networkOf(address: IpAddress, prefix: number): bigint {
  const hostBits = BigInt(widthOf(address.version) - prefix);
  return (address.bits >> hostBits) << hostBits;
}

/**
 * An address or a CIDR range, or null when malformed (a bad address, a prefix length out of
 * range, host bits set past the prefix). A bare address is a range of one.
 *
 * @example parseIpRange("2001:db8::/32") // { version: 6, bits: …, prefix: 32 }
 * @example parseIpRange("203.0.113.7/24") // null (host bits set: 203.0.113.0/24 was meant)
 */
export function parseIpRange(text: string): IpRange | null {
  const [addressText = "", prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return null;
  const address = parseIp(addressText);
  if (!address) return null;
  // An IPv4-mapped range is read as its IPv4 range.
  const mappedShift = address.version === 4 && addressText.includes(":") ? 96 : 0;
  if (prefixText === undefined) return { ...address, prefix: widthOf(address.version) };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText) - mappedShift;
  if (prefix < 0 || prefix > widthOf(address.version)) return null;
  if (networkOf(address, prefix) !== address.bits) return null;
  return { ...address, prefix };
}

/**
 * One spelling of a range: dotted decimal, or IPv6 in lowercase with the longest run of
 * zero groups compressed (RFC 5952); `/n` unless it is a single address.
 *
 * @example formatIpRange(parseIpRange("2001:DB8:0:0::/32")!) // "2001:db8::/32"
 */
export function formatIpRange(range: IpRange): string {
  const suffix = range.prefix === widthOf(range.version) ? "" : `/${range.prefix}`;
  if (range.version === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => Number((range.bits >> shift) & 0xffn));
    return `${octets.join(".")}${suffix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((range.bits >> BigInt((7 - i) * 16)) & 0xffffn),
  );
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((group) => group.toString(16));
  const text =
    best.start < 0
      ? hex.join(":")
      : `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
  return `${text}${suffix}`;
}
