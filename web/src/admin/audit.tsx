import { useState } from "preact/hooks";
import { api, fieldErrors } from "../shared/api";
import type { Paths } from "../shared/api-types";
import { t } from "../shared/messages";
import { Card, Field, formatDateTime, LoadMore, Table, usePages } from "../shared/ui";

type TargetType = NonNullable<
  NonNullable<Paths["/v1/admin/audit-log"]["get"]["parameters"]["query"]>["targetType"]
>;
/** The filters as typed: "" for none. */
type Query = { targetType: "" | TargetType; targetId: string; actorId: string; action: string };

const targetTypes = [
  "user",
  "program",
  "campaign",
  "reward",
  "referral",
  "redemption",
  "webhook",
  "api_key",
] as const satisfies readonly TargetType[];

/** A user id links to that user's page; any other id is plain text. */
function UserLink({ id }: { id: string }) {
  return id.startsWith("usr_") ? <a href={`#users/${encodeURIComponent(id)}`}>{id}</a> : id;
}

/** Without empty filters: the API reads an empty one as a value. */
function definedFilters(query: Query) {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value.trim() !== ""));
}

/** `#audit/<id>` opens the log of that target (a user's id, say). */
export function AuditPage({ targetId }: { targetId: string }) {
  const blank: Query = { targetType: "", targetId, actorId: "", action: "" };
  const [form, setForm] = useState(blank);
  const [applied, setApplied] = useState(blank);
  const pages = usePages(
    (cursor) =>
      api.GET("/v1/admin/audit-log", {
        params: { query: { ...definedFilters(applied), cursor, limit: 50 } },
      }),
    [JSON.stringify(applied)],
  );
  const errors = fieldErrors(pages.error);
  const set = (key: keyof Query) => (value: string) => setForm({ ...form, [key]: value });
  return (
    <>
      <h1>{t("auditTitle")}</h1>
      <Card title={t("filters")}>
        <form
          class="row"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            setApplied({ ...form });
          }}
        >
          <div class="field">
            <label for="audit-target-type">{t("targetType")}</label>
            <select
              id="audit-target-type"
              value={form.targetType}
              onChange={(event) => set("targetType")(event.currentTarget.value)}
            >
              <option value="">{t("any")}</option>
              {targetTypes.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </div>
          <Field
            label={t("targetId")}
            value={form.targetId}
            error={errors.targetId}
            onValue={set("targetId")}
          />
          <Field
            label={t("actorId")}
            value={form.actorId}
            error={errors.actorId}
            onValue={set("actorId")}
          />
          <Field
            label={t("action")}
            value={form.action}
            error={errors.action}
            onValue={set("action")}
          />
          <button type="submit">{t("apply")}</button>
        </form>
      </Card>
      <Table
        card
        headings={[t("when"), t("actor"), t("action"), t("target"), t("details")]}
        rows={pages.rows}
        loading={pages.loading}
        error={pages.error}
        row={(entry) => (
          <tr key={entry.id}>
            <td>{formatDateTime(entry.createdAt)}</td>
            <td>
              <UserLink id={entry.actorId} />
            </td>
            <td>{entry.action}</td>
            <td>
              {entry.targetType}
              <br />
              <UserLink id={entry.targetId} />
            </td>
            <td>
              <code class="details">{JSON.stringify(entry.details)}</code>
            </td>
          </tr>
        )}
      />
      <LoadMore pages={pages} />
    </>
  );
}
