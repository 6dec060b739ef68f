/**
 * The signed-in session of this page: in localStorage under the page's own key (no cookies: the
 * portal also works inside a third-party iframe), shared by every open tab of that page; or in
 * memory only, for an embedded portal and wherever the browser refuses storage.
 *
 * Refresh tokens are single use: a token presented twice revokes the whole login. So
 * refreshes are serialized between tabs with the Web Locks API, and a tab that waited for the
 * lock takes the new tokens the tab before it stored, once they have reached it.
 */
import type { Schemas } from "./api-types";
import { type Session, storedSession } from "./session-rules";

export type { Session };

/** Where this page keeps its session. */
interface SessionStore {
  read(): Session | null;
  write(session: Session | null): void;
  /** The localStorage key other tabs write it under; null when it lives in this page only. */
  key: string | null;
}

/**
 * One key per page: a session is only ever written by that page's own log-in, so a token that
 * one page took (a participant's on the portal) never signs in the other (the console).
 */
const SESSION_KEYS = {
  // The portal's key is the one both pages shared before: participants stay signed in.
  portal: "edge-referrals.session",
  console: "edge-referrals.console.session",
} as const;
const DEVICE_KEY = "edge-referrals.device";
/** Refresh a little before the access token expires, not after a request failed. */
const EARLY_MS = 30_000;

function memoryStore(initial: Session | null): SessionStore {
  let session = initial;
  return {
    read: () => session,
    write: (next) => {
      session = next;
    },
    key: null,
  };
}

/**
 * A store that was readable may still refuse a write (quota full, site data cleared and
 * blocked meanwhile): the session then lives on in memory for this page.
 */
function localStore(key: string): SessionStore {
  const fallback = memoryStore(null);
  let refused = false;
  return {
    read: () => (refused ? fallback.read() : storedSession(localStorage.getItem(key))),
    write: (session) => {
      try {
        if (session) localStorage.setItem(key, JSON.stringify(session));
        else localStorage.removeItem(key);
      } catch {
        refused = true;
      }
      fallback.write(session);
    },
    key,
  };
}

/** Until a page chooses, it has no session (and nothing is read from storage). */
let store: SessionStore = memoryStore(null);

/**
 * This page keeps its session in localStorage under its own key, or in memory when the
 * browser refuses it storage (site data blocked; Chromium throws on merely reading
 * `localStorage` in a frame of another site): the page then works for as long as it is open
 * instead of failing before its first call.
 */
export function keepSessionInStorage(page: keyof typeof SESSION_KEYS): void {
  const key = SESSION_KEYS[page];
  try {
    localStorage.getItem(key);
    store = localStore(key);
  } catch {
    store = memoryStore(null);
  }
}

/** This page's session is `session`, in memory only: storage is neither read nor written. */
export function keepSessionInMemory(session: Session | null): void {
  store = memoryStore(session);
}

export function loadSession(): Session | null {
  try {
    return store.read();
  } catch {
    return null;
  }
}

export function saveTokens(tokens: Schemas["Tokens"]): void {
  store.write({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
  });
}

const SIGNED_OUT_EVENT = "edge-referrals:signed-out";

export function clearSession(): void {
  store.write(null);
  // Other tabs hear the storage event; this tab hears this one.
  dispatchEvent(new Event(SIGNED_OUT_EVENT));
}

/**
 * Calls `listener` when this page signs in or out, in this tab (a token the API refused)
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
    if (store.key !== null && (event.key === store.key || event.key === null)) check();
  };
  addEventListener("storage", onStorage);
  addEventListener(SIGNED_OUT_EVENT, check);
  return () => {
    removeEventListener("storage", onStorage);
    removeEventListener(SIGNED_OUT_EVENT, check);
  };
}

/** This page load's id where the browser refuses storage. */
let unstoredDeviceId: string | null = null;

/** A random id for this browser, sent as X-Device-Id at signup for the fraud checks. */
export function deviceId(): string {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    unstoredDeviceId ??= crypto.randomUUID();
    return unstoredDeviceId;
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

/** The refresh under way in this page, when there is no lock to take turns with other tabs. */
let inPageRefresh: Promise<string | null> | null = null;

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
  // A session in memory is this page's alone, and Web Locks may be refused where storage is:
  // its calls take turns through one promise. (Every browser the pages support has Web Locks.)
  const lock = store.key === null ? null : `${store.key}.refresh`;
  const locks = navigator.locks;
  if (!lock || !locks) {
    inPageRefresh ??= run(false).finally(() => {
      inPageRefresh = null;
    });
    return inPageRefresh;
  }
  const NOT_TAKEN = Symbol("lock held by another tab");
  const first = await locks.request(lock, { ifAvailable: true }, (held) =>
    held ? run(false) : NOT_TAKEN,
  );
  return first === NOT_TAKEN ? locks.request(lock, () => run(true)) : first;
}

function validOrNull(session: Session): string | null {
  if (session.expiresAt > Date.now()) return session.accessToken;
  clearSession();
  return null;
}
