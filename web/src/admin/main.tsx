import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, logOut, type Schemas } from "../shared/api";
import { LogInForm } from "../shared/auth-forms";
import { followUser, pageLocale } from "../shared/language";
import { applyLocale, currentLocale, type MessageKey, t } from "../shared/messages";
import { keepSessionInStorage, loadSession, onSignInOrOut } from "../shared/session";
import { LanguageChoice, Notice } from "../shared/ui";
import "../shared/styles.css";
import { AnalyticsPage } from "./analytics";
import { ApiKeysPage } from "./apikeys";
import { AuditPage } from "./audit";
import { BlocklistPage } from "./blocklist";
import { CampaignsPage } from "./campaigns";
import { CatalogPage } from "./catalog";
import { LinksPage } from "./links";
import { MessagesPage } from "./message-texts";
import { ProgramPage } from "./program";
import { ReviewPage } from "./review";
import { UsersPage } from "./users";
import { WebhooksPage } from "./webhooks";

const pages = {
  analytics: "analyticsTitle",
  review: "reviewTitle",
  blocklist: "blocklistTitle",
  program: "programTitle",
  campaigns: "campaignsTitle",
  catalog: "catalogTitle",
  messages: "messagesTitle",
  users: "usersTitle",
  audit: "auditTitle",
  webhooks: "webhooksTitle",
  "api-keys": "apiKeysTitle",
  links: "linksTitle",
} as const satisfies Record<string, MessageKey>;
type Page = keyof typeof pages;

/** `#review`, `#users/usr_…`, `#audit/usr_…`: the page and its argument, from the fragment (never sent). */
function route(): { page: Page; arg: string } {
  const [page = "", arg = ""] = location.hash.slice(1).split("/");
  return { page: page in pages ? (page as Page) : "analytics", arg: decodeURIComponent(arg) };
}

function Console({ user }: { user: Schemas["User"] }) {
  const [current, setCurrent] = useState(route);
  useEffect(() => {
    const follow = () => setCurrent(route());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return (
    <>
      <nav class="tabs" aria-label={t("adminTitle")}>
        {(Object.keys(pages) as Page[]).map((page) => (
          <a key={page} href={`#${page}`} aria-current={current.page === page ? "page" : undefined}>
            {t(pages[page])}
          </a>
        ))}
      </nav>
      {current.page === "analytics" && <AnalyticsPage />}
      {current.page === "review" && <ReviewPage />}
      {current.page === "blocklist" && <BlocklistPage />}
      {current.page === "program" && <ProgramPage />}
      {current.page === "campaigns" && <CampaignsPage />}
      {current.page === "catalog" && <CatalogPage />}
      {current.page === "messages" && <MessagesPage link={user.referralLink} />}
      {current.page === "users" && <UsersPage userId={current.arg} />}
      {current.page === "audit" && <AuditPage key={current.arg} targetId={current.arg} />}
      {current.page === "webhooks" && <WebhooksPage />}
      {current.page === "api-keys" && <ApiKeysPage />}
      {current.page === "links" && <LinksPage />}
      <p class="muted">{user.name}</p>
    </>
  );
}

function Admin() {
  const [user, setUser] = useState<Schemas["User"] | null>(null);
  const [checking, setChecking] = useState(true);
  const [locale, setLocale] = useState(pageLocale);
  useEffect(() => {
    document.title = t("adminTitle");
  }, [locale]);
  const loadUser = async () => {
    setChecking(true);
    const { data } = loadSession()
      ? await api.GET("/v1/me").catch(() => ({ data: undefined }))
      : { data: undefined };
    // In the account's language before anything of it is drawn.
    const account = data ? await followUser(data) : null;
    setLocale(currentLocale());
    setUser(account);
    setChecking(false);
  };
  useEffect(() => {
    loadUser();
    return onSignInOrOut(() => loadUser());
  }, []);
  return (
    <>
      <header class="top">
        <span class="brand">
          <img src="/assets/logo.svg" alt={t("logoAlt")} />
          {t("adminTitle")}
        </span>
        <span class="row">
          <LanguageChoice
            onChosen={(chosen, account) => {
              setLocale(chosen);
              if (account) setUser(account);
            }}
          />
          {user && (
            <button type="button" class="link" onClick={() => logOut().then(() => setUser(null))}>
              {t("logOut")}
            </button>
          )}
        </span>
      </header>
      <main class="wide">
        {checking && !user ? (
          <p class="muted">{t("loading")}</p>
        ) : !user ? (
          <LogInForm onDone={loadUser} title={t("adminTitle")} />
        ) : user.role !== "admin" ? (
          <Notice kind="error">{t("notAdmin")}</Notice>
        ) : (
          <Console user={user} />
        )}
      </main>
    </>
  );
}

// The console's own key: a token the portal took never signs in here. The console reads no
// token from its fragment (that is its page's address) and can never be framed.
keepSessionInStorage("console");
await applyLocale(pageLocale());
const root = document.getElementById("app");
if (root) render(<Admin />, root);
