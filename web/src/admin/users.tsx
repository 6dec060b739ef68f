import { useState } from "preact/hooks";
import { api, errorText, idempotencyKey, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import {
  Card,
  Field,
  formatDate,
  formatNumber,
  LoadMore,
  Notice,
  Table,
  useApi,
  usePages,
} from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { ConfirmButton } from "./controls";

type AdminUser = Schemas["AdminUser"];

const openUser = (id: string) => {
  location.hash = `#users/${encodeURIComponent(id)}`;
};

/** "Phone" search: the API normalizes the number as signup does, so any spelling works. */
function FindByPhone({ onFound }: { onFound: (user: AdminUser) => void }) {
  const [phone, setPhone] = useState("");
  const { busy, outcome, errors, submit } = useSubmit();
  const find = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.GET("/v1/admin/users", { params: { query: { phone } } }),
      (found) => {
        const user = found.data[0];
        if (!user) return { kind: "error", text: t("noUserWithPhone") };
        onFound(user);
      },
    );
  };
  return (
    <Card title={t("findUserTitle")}>
      <form onSubmit={find} class="row" noValidate>
        <Field
          label={t("phone")}
          type="tel"
          autocomplete="off"
          value={phone}
          error={errors.phone}
          onValue={setPhone}
        />
        <button type="submit" disabled={busy || !phone.trim()}>
          {t("findUser")}
        </button>
      </form>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
    </Card>
  );
}

function NewestUsers() {
  const pages = usePages((cursor) =>
    api.GET("/v1/admin/users", { params: { query: { cursor, limit: 20 } } }),
  );
  return (
    <Card title={t("newestUsers")}>
      <Table
        headings={[t("name"), t("phone"), t("role"), t("userBalance"), t("created")]}
        rows={pages.rows}
        loading={pages.loading}
        error={pages.error}
        row={(user) => (
          <tr key={user.id}>
            <td>
              <a href={`#users/${encodeURIComponent(user.id)}`}>{user.name}</a>
            </td>
            <td>{user.phone ?? ""}</td>
            <td>{t(`role_${user.role}`)}</td>
            <td>{formatNumber(user.balance)}</td>
            <td>{formatDate(user.createdAt)}</td>
          </tr>
        )}
      />
      <LoadMore pages={pages} />
    </Card>
  );
}

function AdjustPoints({ user, onDone }: { user: AdminUser; onDone: () => void }) {
  const [adjustment, setAdjustment] = useState({ points: "", reason: "" });
  const { busy, outcome, errors, submit } = useSubmit();
  const adjust = (event: Event) => {
    event.preventDefault();
    submit(
      () =>
        api.POST("/v1/admin/users/{id}/adjustments", {
          params: { path: { id: user.id }, header: { "idempotency-key": idempotencyKey() } },
          body: { points: Number(adjustment.points), reason: adjustment.reason },
        }),
      (adjusted) => {
        setAdjustment({ points: "", reason: "" });
        onDone();
        return t("adjusted", { balance: adjusted.balance });
      },
    );
  };
  return (
    <Card title={t("adjustTitle")}>
      <form onSubmit={adjust} noValidate>
        <div class="row">
          <Field
            label={t("adjustPoints")}
            type="number"
            value={adjustment.points}
            error={errors.points}
            onValue={(points) => setAdjustment({ ...adjustment, points })}
          />
          <Field
            label={t("adjustReason")}
            value={adjustment.reason}
            error={errors.reason}
            onValue={(reason) => setAdjustment({ ...adjustment, reason })}
          />
        </div>
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy}>
          {t("adjust")}
        </button>
      </form>
    </Card>
  );
}

function ChangeRole({ user, onDone }: { user: AdminUser; onDone: () => void }) {
  const [role, setRole] = useState(user.role);
  const { busy, outcome, submit } = useSubmit();
  const changeRole = (event: Event) => {
    event.preventDefault();
    submit(
      () =>
        api.PATCH("/v1/admin/users/{id}", { params: { path: { id: user.id } }, body: { role } }),
      () => {
        onDone();
        return t("roleChanged", { role: t(`role_${role}`) });
      },
    );
  };
  return (
    <Card title={t("roleTitle")}>
      <form onSubmit={changeRole} class="row">
        <div class="field">
          <label for="user-role">{t("role")}</label>
          <select
            id="user-role"
            value={role}
            onChange={(event) => setRole(event.currentTarget.value as typeof role)}
          >
            <option value="user">{t("role_user")}</option>
            <option value="admin">{t("role_admin")}</option>
          </select>
        </div>
        <button type="submit" disabled={busy}>
          {t("changeRole")}
        </button>
      </form>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
    </Card>
  );
}

/** Erasing cannot be undone: a second, explicit button confirms it. */
function EraseUser({ user, onDone }: { user: AdminUser; onDone: () => void }) {
  const { outcome, submit } = useSubmit();
  const erase = () =>
    submit(
      () => api.DELETE("/v1/admin/users/{id}", { params: { path: { id: user.id } } }),
      () => {
        onDone();
        return t("erasedOne", { name: user.name });
      },
    );
  return (
    <Card title={t("eraseTitle")}>
      <ConfirmButton
        label={t("eraseUser")}
        question={t("eraseConfirm", { name: user.name })}
        confirmLabel={t("eraseYes", { name: user.name })}
        onConfirm={erase}
      />
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
    </Card>
  );
}

function UserDetails({ user }: { user: AdminUser }) {
  return (
    <Card title={user.name}>
      <dl class="facts">
        <dt>{t("phone")}</dt>
        <dd data-testid="user-phone">{user.phone ?? ""}</dd>
        <dt>{t("role")}</dt>
        <dd>{t(`role_${user.role}`)}</dd>
        <dt>{t("userBalance")}</dt>
        <dd data-testid="user-balance">{user.balance}</dd>
        <dt>{t("referrals")}</dt>
        <dd>
          {t("referralsOfUser", {
            count: user.referrals.total,
            qualified: user.referrals.qualified,
          })}
        </dd>
        <dt>{t("created")}</dt>
        <dd>{formatDate(user.createdAt)}</dd>
        <dt>{t("userId")}</dt>
        <dd>{user.id}</dd>
      </dl>
      {user.erased && <span class="badge">{t("erasedBadge")}</span>}
      <a href={`#audit/${encodeURIComponent(user.id)}`}>{t("auditOfUser")}</a>
    </Card>
  );
}

export function UsersPage({ userId }: { userId: string }) {
  const {
    data: user,
    error,
    reload,
  } = useApi(
    () =>
      userId
        ? api.GET("/v1/admin/users/{id}", { params: { path: { id: userId } } })
        : Promise.resolve({ data: undefined }),
    [userId],
  );
  return (
    <>
      <h1>{t("usersTitle")}</h1>
      <FindByPhone
        // The user already open is read again: the fragment, and so the page, stays the same.
        onFound={(match) => (match.id === userId ? reload() : openUser(match.id))}
      />
      {userId && error ? <Notice kind="error">{errorText(error)}</Notice> : null}
      {userId && user && (
        <>
          <UserDetails user={user} />
          {!user.erased && (
            <>
              <AdjustPoints key={`adjust-${user.id}`} user={user} onDone={reload} />
              <ChangeRole key={`role-${user.id}`} user={user} onDone={reload} />
              <EraseUser key={`erase-${user.id}`} user={user} onDone={reload} />
            </>
          )}
        </>
      )}
      {!userId && <NewestUsers />}
    </>
  );
}
