import { useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import { Card, Field, formatDate, formatDateTime, Notice, Table, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { allValues, ConfirmButton, SecretOnce } from "./controls";

type ApiKey = Schemas["ApiKey"];
type Scope = ApiKey["scopes"][number];

const SCOPES = allValues<Scope>()([
  "events",
  "coupons",
  "wallet",
  "users",
  "embed",
  "imports",
] as const);

function CreateKey({ onCreated }: { onCreated: (created: Schemas["CreatedApiKey"]) => void }) {
  const blank = { name: "", scopes: [] as Scope[] };
  const [form, setForm] = useState(blank);
  const { busy, outcome, errors, submit } = useSubmit();
  const create = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.POST("/v1/admin/api-keys", { body: form }),
      (created) => {
        setForm(blank);
        onCreated(created);
      },
    );
  };
  return (
    <Card title={t("createKey")}>
      <form onSubmit={create} noValidate>
        <Field
          label={t("keyName")}
          value={form.name}
          error={errors.name}
          onValue={(name) => setForm({ ...form, name })}
        />
        <fieldset
          class="choice checks"
          aria-describedby={errors.scopes ? "scopes-error" : undefined}
        >
          <legend>{t("scopes")}</legend>
          {SCOPES.map((scope) => (
            <label key={scope}>
              <input
                type="checkbox"
                checked={form.scopes.includes(scope)}
                onChange={(change) =>
                  setForm({
                    ...form,
                    scopes: change.currentTarget.checked
                      ? [...form.scopes, scope]
                      : form.scopes.filter((chosen) => chosen !== scope),
                  })
                }
              />{" "}
              {scope}
            </label>
          ))}
          {errors.scopes && (
            <p class="field-error" id="scopes-error">
              {errors.scopes}
            </p>
          )}
        </fieldset>
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy}>
          {t("createKey")}
        </button>
      </form>
    </Card>
  );
}

function KeyRow({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const { outcome, submit } = useSubmit();
  const revoke = () =>
    submit(
      () => api.DELETE("/v1/admin/api-keys/{id}", { params: { path: { id: apiKey.id } } }),
      onRevoked,
    );
  return (
    <tr>
      <td>{apiKey.name}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>{apiKey.scopes.join(", ")}</td>
      <td>{formatDate(apiKey.createdAt)}</td>
      <td>{apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : t("neverUsed")}</td>
      <td>
        {apiKey.revokedAt ? (
          <span class="badge">{t("revokedOn", { date: formatDate(apiKey.revokedAt) })}</span>
        ) : (
          <ConfirmButton
            label={t("revokeKey", { name: apiKey.name })}
            question={t("revokeConfirm", { name: apiKey.name })}
            confirmLabel={t("revokeYes", { name: apiKey.name })}
            onConfirm={revoke}
          />
        )}
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      </td>
    </tr>
  );
}

export function ApiKeysPage() {
  const { data, error, reload } = useApi(() =>
    api.GET("/v1/admin/api-keys", { params: { query: { includeRevoked: "true" } } }),
  );
  const [created, setCreated] = useState<Schemas["CreatedApiKey"] | null>(null);
  return (
    <>
      <h1>{t("apiKeysTitle")}</h1>
      {created && (
        <SecretOnce
          title={t("keySecretFor", { name: created.apiKey.name })}
          secret={created.secret}
          copyLabel={t("copySecret")}
          onDone={() => setCreated(null)}
        />
      )}
      <Card title={t("apiKeysTitle")}>
        <Table
          headings={[
            t("keyName"),
            t("keyPrefix"),
            t("scopes"),
            t("created"),
            t("lastUsed"),
            t("keyStatus"),
          ]}
          rows={data?.data}
          error={error}
          row={(apiKey) => <KeyRow key={apiKey.id} apiKey={apiKey} onRevoked={reload} />}
        />
      </Card>
      <CreateKey
        onCreated={(key) => {
          setCreated(key);
          reload();
        }}
      />
    </>
  );
}
