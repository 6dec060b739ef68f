import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, logOut, type Schemas } from "../shared/api";
import { LogInForm } from "../shared/auth-forms";
import { type MessageKey, t } from "../shared/messages";
import { loadSession, onSignInOrOut } from "../shared/session";
import { Notice } from "../shared/ui";
import "../shared/styles.css";
import { AnalyticsPage } from "./analytics";
import { ApiKeysPage } from "./apikeys";
import { AuditPage } from "./audit";
import { CampaignsPage } from "./campaigns";
import { CatalogPage } from "./catalog";
import { LinksPage } from "./links";
import { ProgramPage } from "./program";
import { ReviewPage } from "./review";
import { UsersPage } from "./users";
import { WebhooksPage } from "./webhooks";

const pages = {
  analytics: "analyticsTitle",
  review: "reviewTitle",
  program: "programTitle",
  campaigns: "campaignsTitle",
  catalog: "catalogTitle",
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
      {current.page === "program" && <ProgramPage />}
      {current.page === "campaigns" && <CampaignsPage />}
      {current.page === "catalog" && <CatalogPage />}
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
  const loadUser = async () => {
    setChecking(true);
    const { data } = loadSession()
      ? await api.GET("/v1/me").catch(() => ({ data: undefined }))
      : { data: undefined };
    setUser(data ?? null);
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
        {user && (
          <button type="button" class="link" onClick={() => logOut().then(() => setUser(null))}>
            {t("logOut")}
          </button>
        )}
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

const root = document.getElementById("app");
if (root) render(<Admin />, root);
