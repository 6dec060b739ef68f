import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import {
  clearSession,
  keepSessionInMemory,
  keepSessionInStorage,
  loadSession,
  onSignInOrOut,
} from "../shared/session";
import { sessionSource } from "../shared/session-rules";
import { Notice } from "../shared/ui";
import "../shared/styles.css";
import { LogInForm, SignUpForm } from "../shared/auth-forms";
import { Dashboard } from "./dashboard";

/**
 * An embedding site signs its user in with `/portal#token=<embed token>` in its iframe. The
 * fragment never reaches a server; it is read once and cleared from the address bar and the
 * history, also where it is ignored (the portal opened on its own).
 */
function takeFragmentToken(): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token !== null) history.replaceState(null, "", location.pathname + location.search);
  return token;
}

/** Chosen once, before any call to the API: see `sessionSource`. */
function chooseSession(): { embedded: boolean } {
  const source = sessionSource({
    framed: window.top !== window.self,
    fragmentToken: takeFragmentToken(),
    now: Date.now(),
  });
  if (source.kind === "embedded") keepSessionInMemory(source.session);
  else keepSessionInStorage("portal");
  return { embedded: source.kind === "embedded" };
}

/** `embedded`: inside a shop's frame, whose own page signs its customer in and out. */
function Portal({ embedded }: { embedded: boolean }) {
  const [user, setUser] = useState<Schemas["User"] | null>(null);
  const [checking, setChecking] = useState(true);
  const [mode, setMode] = useState<"signup" | "login">(
    new URLSearchParams(location.search).has("ref") ? "signup" : "login",
  );
  const [notice, setNotice] = useState<string | null>(null);

  const loadUser = async () => {
    setChecking(true);
    if (!loadSession()) {
      setUser(null);
      setChecking(false);
      return;
    }
    try {
      const { data } = await api.GET("/v1/me");
      setUser(data ?? null);
      if (!data) setNotice(t("signedOutElsewhere"));
    } catch {
      setNotice(t("error_network"));
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    loadUser();
    // Signed in or out in another tab, or a token the API refused here: follow it.
    return onSignInOrOut((signedIn) => {
      if (!signedIn) setNotice(t("signedOutElsewhere"));
      loadUser();
    });
  }, []);

  const signedIn = () => {
    setNotice(null);
    loadUser();
  };

  return (
    <>
      <header class="top">
        <span class="brand">
          <img src="/assets/logo.svg" alt={t("logoAlt")} />
          {t("appName")}
        </span>
      </header>
      <main>
        {checking && !user ? (
          <p class="muted">{t("loading")}</p>
        ) : user ? (
          <Dashboard
            user={user}
            onSignedOut={
              embedded
                ? undefined
                : () => {
                    clearSession();
                    setNotice(null);
                    setUser(null);
                  }
            }
          />
        ) : embedded ? (
          // No forms here: the shop's page signs in again with a new token when reloaded.
          <Notice kind="error">{t("embedSignedOut")}</Notice>
        ) : (
          <>
            {notice && <Notice kind="error">{notice}</Notice>}
            {mode === "signup" ? <SignUpForm onDone={signedIn} /> : <LogInForm onDone={signedIn} />}
            <p>
              {mode === "signup" ? t("haveAccount") : t("noAccount")}{" "}
              <button
                type="button"
                class="link"
                onClick={() => setMode(mode === "signup" ? "login" : "signup")}
              >
                {mode === "signup" ? t("logIn") : t("createAccount")}
              </button>
            </p>
          </>
        )}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<Portal {...chooseSession()} />, root);
