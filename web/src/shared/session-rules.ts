/**
 * Which session a page uses: pure rules over plain data (no storage, no window), so that they
 * are tested without a browser.
 */

export interface Session {
  accessToken: string;
  /** null for an embed token: it cannot be refreshed, it is simply used until it expires. */
  refreshToken: string | null;
  /** ms since epoch */
  expiresAt: number;
}

/**
 * Where a page's session comes from.
 * - `embedded`: the page runs in a frame (a shop's site embeds the portal). Its session is the
 *   fragment's token and nothing else, kept in memory: it never replaces the session this
 *   browser stored for the portal opened on its own, and that session is not used either, so
 *   the frame shows the user the shop signed in (or no one, when the token is unusable).
 * - `stored`: the page runs on its own and uses the session its own log-in stored. A token in
 *   the fragment is ignored: a link someone else made must not sign this browser in as
 *   another person (login CSRF).
 */
export type SessionSource = { kind: "embedded"; session: Session | null } | { kind: "stored" };

/**
 * @example
 * sessionSource({ framed: true, fragmentToken: embedToken, now: Date.now() })
 * // → { kind: "embedded", session: { accessToken: embedToken, refreshToken: null, expiresAt } }
 */
export function sessionSource(input: {
  framed: boolean;
  fragmentToken: string | null;
  now: number;
}): SessionSource {
  if (!input.framed) return { kind: "stored" };
  return {
    kind: "embedded",
    session: input.fragmentToken ? tokenSession(input.fragmentToken, input.now) : null,
  };
}

/** An access token from elsewhere (an embed token), usable until its own `exp`; null if it is not. */
export function tokenSession(accessToken: string, now: number): Session | null {
  const expiresAt = jwtExpiry(accessToken);
  if (expiresAt === null || expiresAt <= now) return null;
  return { accessToken, refreshToken: null, expiresAt };
}

/**
 * A session read from storage, or null. Only a log-in writes storage, and a log-in always has a
 * refresh token: a stored session without one was written by an earlier portal from a
 * `#token=` link, the very thing `sessionSource` now refuses.
 */
export function storedSession(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<Session> | null;
    if (
      typeof value?.accessToken !== "string" ||
      typeof value.refreshToken !== "string" ||
      typeof value.expiresAt !== "number"
    ) {
      return null;
    }
    return {
      accessToken: value.accessToken,
      refreshToken: value.refreshToken,
      expiresAt: value.expiresAt,
    };
  } catch {
    return null;
  }
}

function jwtExpiry(token: string): number | null {
  try {
    const payload = token.split(".")[1];
    if (!payload) return null;
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    return typeof json.exp === "number" ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}
