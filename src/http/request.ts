/**
 * The client's address as Cloudflare reports it (tests may set it themselves). Loopback
 * means local development, where every client shares one address: it carries no signal,
 * so it counts as unknown (never as "the same IP as the referrer").
 */
export function clientIp(header: string | undefined): string {
  const ip = header?.trim();
  if (!ip || /^(127\.|::1$|::ffff:127\.)/.test(ip)) return UNKNOWN_IP;
  return ip;
}

export const UNKNOWN_IP = "unknown";

/**
 * The request's country as Cloudflare reports it (`request.cf.country`, ISO 3166 alpha-2;
 * `T1` for Tor), or undefined when the edge gives none (local development, `XX`).
 */
export function requestCountry(request: Request): string | undefined {
  const country = (request as { cf?: { country?: unknown } }).cf?.country;
  return typeof country === "string" && /^[A-Z][A-Z0-9]$/.test(country) && country !== "XX"
    ? country
    : undefined;
}
