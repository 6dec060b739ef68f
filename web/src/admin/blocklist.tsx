import { useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { type MessageKey, t } from "../shared/messages";
import { Card, Field, formatDate, Notice, Table, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { allValues, ConfirmButton } from "./controls";

type Entry = Schemas["BlocklistEntry"];
type Kind = Entry["type"];
type Action = Entry["action"];

const KINDS = allValues<Kind>()(["phone_prefix", "country", "ip", "device"] as const);
const ACTIONS = allValues<Action>()(["hold", "refuse"] as const);

const kindLabel = (kind: Kind) => t(`blocklist_${kind}` satisfies MessageKey);
const actionLabel = (action: Action) => t(`blocklist_${action}` satisfies MessageKey);

function AddEntry({ onAdded }: { onAdded: (entry: Entry) => void }) {
  // Hold is the default: refusing is a choice made on purpose (carrier-grade NAT).
  const blank = { type: "phone_prefix" as Kind, value: "", action: "hold" as Action, note: "" };
  const [form, setForm] = useState(blank);
  const { busy, outcome, errors, submit } = useSubmit();
  const add = (event: Event) => {
    event.preventDefault();
    const { note, ...rest } = form;
    submit(
      () =>
        api.POST("/v1/admin/blocklist", { body: { ...rest, ...(note.trim() ? { note } : {}) } }),
      (entry) => {
        setForm(blank);
        onAdded(entry);
      },
    );
  };
  return (
    <Card title={t("blocklistAdd")}>
      <form onSubmit={add} noValidate>
        <div class="field">
          <label for="blocklist-type">{t("blocklistType")}</label>
          <select
            id="blocklist-type"
            value={form.type}
            onChange={(event) => setForm({ ...form, type: event.currentTarget.value as Kind })}
          >
            {KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kindLabel(kind)}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={t("blocklistValue")}
          value={form.value}
          error={errors.value}
          onValue={(value) => setForm({ ...form, value })}
        />
        <fieldset class="choice">
          <legend>{t("blocklistAction")}</legend>
          {ACTIONS.map((action) => (
            <label key={action}>
              <input
                type="radio"
                name="blocklist-action"
                checked={form.action === action}
                onChange={() => setForm({ ...form, action })}
              />{" "}
              {actionLabel(action)}
            </label>
          ))}
        </fieldset>
        {form.type === "ip" && <p class="muted">{t("blocklistIpHint")}</p>}
        <Field
          label={t("blocklistNote")}
          value={form.note}
          error={errors.note}
          onValue={(note) => setForm({ ...form, note })}
        />
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy}>
          {t("blocklistAdd")}
        </button>
      </form>
    </Card>
  );
}

function EntryRow({ entry, onRemoved }: { entry: Entry; onRemoved: () => void }) {
  const { outcome, submit } = useSubmit();
  const remove = () =>
    submit(
      () => api.DELETE("/v1/admin/blocklist/{id}", { params: { path: { id: entry.id } } }),
      onRemoved,
    );
  return (
    <tr>
      <td>{kindLabel(entry.type)}</td>
      <td>
        <code dir="ltr">{entry.value}</code>
      </td>
      <td>{actionLabel(entry.action)}</td>
      <td>{entry.note ?? ""}</td>
      <td>{formatDate(entry.createdAt)}</td>
      <td>
        <ConfirmButton
          label={t("blocklistRemove", { value: entry.value })}
          question={t("blocklistRemoveConfirm", { value: entry.value })}
          confirmLabel={t("blocklistRemoveYes", { value: entry.value })}
          onConfirm={remove}
        />
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      </td>
    </tr>
  );
}

export function BlocklistPage() {
  const { data, error, reload } = useApi(() =>
    api.GET("/v1/admin/blocklist", { params: { query: { limit: 100 } } }),
  );
  const [added, setAdded] = useState<string | null>(null);
  return (
    <>
      <h1>{t("blocklistTitle")}</h1>
      <p class="muted">{t("blocklistCacheHint")}</p>
      {added && <Notice kind="ok">{added}</Notice>}
      <AddEntry
        onAdded={(entry) => {
          setAdded(t("blocklistAdded", { value: entry.value }));
          reload();
        }}
      />
      <Card title={t("blocklistTitle")}>
        <Table
          headings={[
            t("blocklistType"),
            t("blocklistValue"),
            t("blocklistAction"),
            t("blocklistNote"),
            t("created"),
            "",
          ]}
          rows={data?.data}
          error={error}
          row={(entry) => <EntryRow key={entry.id} entry={entry} onRemoved={reload} />}
        />
      </Card>
    </>
  );
}
