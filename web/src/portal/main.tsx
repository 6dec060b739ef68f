import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { followUser, pageLocale } from "../shared/language";
import { applyLocale, currentLocale, t } from "../shared/messages";
import {
  clearSession,
  keepSessionInMemory,
  keepSessionInStorage,
  loadSession,
  onSignInOrOut,
} from "../shared/session";
import { sessionSource } from "../shared/session-rules";
import { LanguageChoice, Notice } from "../shared/ui";
import "../shared/styles.css";
import { LogInForm, SignUpForm } from "../shared/auth-forms";
import { ResetPasswordForm } from "./account";
import { Dashboard } from "./dashboard";
import { reportHeightToParent } from "./frame-height";

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
  const [locale, setLocale] = useState(pageLocale);
  useEffect(() => {
    document.title = t("portalTitle");
  }, [locale]);
  const [mode, setMode] = useState<"signup" | "login" | "reset">(
    new URLSearchParams(location.search).has("ref") ? "signup" : "login",
  );
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  const loadUser = async () => {
    setChecking(true);
    if (!loadSession()) {
      setUser(null);
      setChecking(false);
      return;
    }
    try {
      const { data } = await api.GET("/v1/me");
      // In the account's language before anything of it is drawn.
      const account = data ? await followUser(data) : null;
      setLocale(currentLocale());
      setUser(account);
      if (!account) setNotice({ kind: "error", text: t("signedOutElsewhere") });
    } catch {
      setNotice({ kind: "error", text: t("error_network") });
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    loadUser();
    // Signed in or out in another tab, or a token the API refused here: follow it.
    return onSignInOrOut((signedIn) => {
      if (!signedIn) setNotice({ kind: "error", text: t("signedOutElsewhere") });
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
        <LanguageChoice
          onChosen={(chosen, account) => {
            setLocale(chosen);
            if (account) setUser(account);
          }}
        />
      </header>
      <main>
        {checking && !user ? (
          <p class="muted">{t("loading")}</p>
        ) : user ? (
          <Dashboard
            user={user}
            embedded={embedded}
            onUserChanged={setUser}
            onSignedOut={() => {
              clearSession();
              setNotice(null);
              setUser(null);
            }}
            onDeleted={() => {
              setUser(null);
              setMode("login");
              setNotice({ kind: "ok", text: t("accountDeleted") });
            }}
          />
        ) : embedded ? (
          // No forms here: the shop's page signs in again with a new token when reloaded.
          <Notice kind="error">{t("embedSignedOut")}</Notice>
        ) : (
          <>
            {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
            {mode === "signup" ? (
              <SignUpForm onDone={signedIn} />
            ) : mode === "reset" ? (
              <ResetPasswordForm onDone={signedIn} />
            ) : (
              <LogInForm onDone={signedIn} />
            )}
            {mode === "login" && (
              <p>
                <button type="button" class="link" onClick={() => setMode("reset")}>
                  {t("forgotPassword")}
                </button>
              </p>
            )}
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
            {mode === "reset" && (
              <p>
                <button type="button" class="link" onClick={() => setMode("login")}>
                  {t("backToLogIn")}
                </button>
              </p>
            )}
          </>
        )}
      </main>
    </>
  );
}

// The page's words before its first drawing, so that nothing flashes in another language.
await applyLocale(pageLocale());
const session = chooseSession();
const root = document.getElementById("app");
if (root) render(<Portal {...session} />, root);
// The shop's page fits its iframe to the portal: see docs/web.md.
if (session.embedded) reportHeightToParent();
