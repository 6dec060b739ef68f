/**
 * The signed-in session, kept in localStorage (no cookies: the portal also works inside a
 * third-party iframe) and shared by every open tab.
 *
 * Refresh tokens are single use: a token presented twice revokes the whole login. So
 * refreshes are serialized between tabs with the Web Locks API, and a tab that waited for the
 * lock takes the new tokens the tab before it stored, once they have reached it.
 */
import type { Schemas } from "./api-types";

export interface Session {
  accessToken: string;
  /** null for an embed token: it cannot be refreshed, it is simply used until it expires. */
  refreshToken: string | null;
  /** ms since epoch */
  expiresAt: number;
}

const SESSION_KEY = "edge-referrals.session";
const DEVICE_KEY = "edge-referrals.device";
const REFRESH_LOCK = "edge-referrals.refresh";
/** Refresh a little before the access token expires, not after a request failed. */
const EARLY_MS = 30_000;

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveTokens(tokens: Schemas["Tokens"]): void {
  const session: Session = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
  };
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

/** An access token from elsewhere (an embed token): kept until its own `exp`. */
export function saveAccessToken(accessToken: string): boolean {
  const expiresAt = jwtExpiry(accessToken);
  if (expiresAt === null || expiresAt <= Date.now()) return false;
  localStorage.setItem(SESSION_KEY, JSON.stringify({ accessToken, refreshToken: null, expiresAt }));
  return true;
}

const SIGNED_OUT_EVENT = "edge-referrals:signed-out";

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
  // Other tabs hear the storage event; this tab hears this one.
  dispatchEvent(new Event(SIGNED_OUT_EVENT));
}

/**
 * Calls `listener` when this browser signs in or out, in this tab (a token the API refused)
 * or in another; not for a mere token refresh.
 */
export function onSignInOrOut(listener: (signedIn: boolean) => void): () => void {
  let signedIn = loadSession() !== null;
  const check = () => {
    const now = loadSession() !== null;
    if (now !== signedIn) {
      signedIn = now;
      listener(now);
    }
  };
  const onStorage = (event: StorageEvent) => {
    if (event.key === SESSION_KEY || event.key === null) check();
  };
  addEventListener("storage", onStorage);
  addEventListener(SIGNED_OUT_EVENT, check);
  return () => {
    removeEventListener("storage", onStorage);
    removeEventListener(SIGNED_OUT_EVENT, check);
  };
}

/** A random id for this browser, sent as X-Device-Id at signup for the fraud checks. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
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

const fresh = (session: Session) => session.expiresAt - EARLY_MS > Date.now();

type Refresh = (refreshToken: string) => Promise<Schemas["Tokens"] | "rejected" | "failed">;

/**
 * The session once another tab's refresh has reached this tab: localStorage is shared
 * between tabs, but a browser may hand a write in one tab to another a moment after that
 * tab released the lock. Until the stored refresh token changes (or `waitMs` passed), this
 * tab would otherwise read the old one, already used, and present it again.
 */
async function sessionAfter(usedRefreshToken: string, waitMs: number): Promise<Session | null> {
  const deadline = Date.now() + waitMs;
  let current = loadSession();
  while (current?.refreshToken === usedRefreshToken && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    current = loadSession();
  }
  return current;
}

/** How long a tab that waited for another's refresh waits for its result to arrive. */
const OTHER_TAB_REFRESH_WAIT_MS = 2_000;

/**
 * A usable access token, refreshing it first when it is about to expire; null when signed out.
 * `refresh` calls the API; a rejected refresh token signs this browser out.
 */
export async function accessToken(refresh: Refresh): Promise<string | null> {
  const session = loadSession();
  if (!session) return null;
  if (fresh(session) || !session.refreshToken) return validOrNull(session);
  const seen = session.refreshToken;
  const run = async (waited: boolean) => {
    // A tab that had to wait for the lock waited for another tab's refresh of this token.
    const current = waited ? await sessionAfter(seen, OTHER_TAB_REFRESH_WAIT_MS) : loadSession();
    if (!current) return null;
    if (fresh(current) || !current.refreshToken) return validOrNull(current);
    const result = await refresh(current.refreshToken);
    if (result === "rejected") {
      clearSession();
      return null;
    }
    if (result === "failed") return validOrNull(current);
    saveTokens(result);
    return result.accessToken;
  };
  // Every browser the portal supports has Web Locks; without them, one tab still works.
  const locks = navigator.locks;
  if (!locks) return run(false);
  const NOT_TAKEN = Symbol("lock held by another tab");
  const first = await locks.request(REFRESH_LOCK, { ifAvailable: true }, (lock) =>
    lock ? run(false) : NOT_TAKEN,
  );
  return first === NOT_TAKEN ? locks.request(REFRESH_LOCK, () => run(true)) : first;
}

function validOrNull(session: Session): string | null {
  if (session.expiresAt > Date.now()) return session.accessToken;
  clearSession();
  return null;
}
