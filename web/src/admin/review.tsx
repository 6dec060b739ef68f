import { useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import type { Paths } from "../shared/api-types";
import { downloadCsv, toCsv } from "../shared/csv";
import { t, term } from "../shared/messages";
import { formatDate, Notice, Table, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

type Item = Schemas["ReviewItem"];
type Reason = NonNullable<
  NonNullable<Paths["/v1/admin/referrals"]["get"]["parameters"]["query"]>["reason"]
>;
type Decision = "approve" | "reject";

/** The hold reasons the queue filters by (the API's `?reason=` values). */
const REASONS: readonly Reason[] = [
  "same_device",
  "same_ip",
  "daily_cap",
  "monthly_cap",
  "blocklisted",
  "budget_exhausted",
  "phone_type",
  "country_mismatch",
];

/**
 * A reason in words with what matched: the cap of a velocity limit in a sentence of its own,
 * anything else (a block list entry, a budget, a phone type) as the API gives it.
 */
function explain(detail: Item["reasonDetails"][number]): string {
  const reason = term("reason", detail.code);
  if (detail.matched === null) return reason;
  const count = Number(detail.matched);
  if (detail.code === "daily_cap" && Number.isInteger(count)) {
    return t("reasonMatched", { reason, matched: t("capPerDay", { count }) });
  }
  if (detail.code === "monthly_cap" && Number.isInteger(count)) {
    return t("reasonMatched", { reason, matched: t("capPerMonth", { count }) });
  }
  return t("reasonMatched", { reason, matched: detail.matched });
}

/**
 * One decision, by the single endpoints: each is its own request (audited, and within the
 * per-request D1 query limits however many rows are chosen).
 */
function decisionRequest(item: Item, decision: Decision, reason: string) {
  const params = { path: { id: item.id } };
  return decision === "approve"
    ? api.POST("/v1/admin/referrals/{id}/approve", { params })
    : api.POST("/v1/admin/referrals/{id}/reject", { params, body: { reason } });
}

/** One decision of a bulk one: null when it was decided, else its error in words. */
async function decideOne(item: Item, decision: Decision, reason: string): Promise<string | null> {
  try {
    const result = await decisionRequest(item, decision, reason);
    return result.error ? errorText(result.error) : null;
  } catch {
    return t("error_network");
  }
}

/** Requests in flight at once for a bulk decision: a browser's connection budget, not a flood. */
const IN_FLIGHT = 4;

/** Decides `items` a few at a time; returns the error of each that was not decided, by id. */
async function decideAll(items: Item[], decision: Decision, reason: string) {
  const errors = new Map<string, string>();
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const error = await decideOne(item, decision, reason);
      if (error) errors.set(item.id, error);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
  return errors;
}

function ReviewRow(props: {
  item: Item;
  selected: boolean;
  onSelect: (selected: boolean) => void;
  bulkError: string | undefined;
  onDecided: (text: string) => void;
}) {
  const { item } = props;
  const [reason, setReason] = useState("");
  const { busy, outcome, submit } = useSubmit();
  const decide = (decision: Decision) =>
    submit(
      () => decisionRequest(item, decision, reason),
      () =>
        props.onDecided(
          t(decision === "approve" ? "approvedOne" : "rejectedOne", { name: item.referee.name }),
        ),
    );
  const reasonLabel = t("rejectReasonFor", { name: item.referee.name });
  const shownError = outcome?.text ?? props.bulkError;
  return (
    <tr>
      <td>
        <input
          type="checkbox"
          aria-label={t("selectReferral", { name: item.referee.name })}
          checked={props.selected}
          onChange={(event) => props.onSelect(event.currentTarget.checked)}
        />
      </td>
      <td>
        {item.referrer.name}
        <br />
        <a class="muted" href={`#users/${encodeURIComponent(item.referrer.id)}`}>
          {item.referrer.id}
        </a>
      </td>
      <td>{item.referee.name}</td>
      <td>
        {item.reasonDetails.map((detail) => (
          <div key={detail.code}>{explain(detail)}</div>
        ))}
      </td>
      <td>{term("source", item.source)}</td>
      <td>{formatDate(item.createdAt)}</td>
      <td>
        <div class="row">
          <button type="button" disabled={busy} onClick={() => decide("approve")}>
            {t("approve")}
          </button>
          <input
            aria-label={reasonLabel}
            placeholder={t("rejectReason")}
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
          <button
            type="button"
            class="secondary"
            disabled={busy || !reason.trim()}
            onClick={() => decide("reject")}
          >
            {t("reject")}
          </button>
        </div>
        {shownError && <Notice kind="error">{shownError}</Notice>}
      </td>
    </tr>
  );
}

export function ReviewPage() {
  const [filter, setFilter] = useState<Reason | "">("");
  const { data, error, reload } = useApi(
    () =>
      api.GET("/v1/admin/referrals", {
        params: { query: { status: "held", limit: 100, ...(filter ? { reason: filter } : {}) } },
      }),
    [filter],
  );
  const [done, setDone] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkReason, setBulkReason] = useState("");
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkErrors, setBulkErrors] = useState<Map<string, string>>(new Map());
  const items = data?.data ?? [];
  const chosen = items.filter((item) => selected.has(item.id));

  const select = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const decideSelected = async (decision: Decision) => {
    setBulkBusy(true);
    setDone(null);
    const errors = await decideAll(chosen, decision, bulkReason.trim());
    setBulkBusy(false);
    setBulkErrors(errors);
    setSelected(new Set(errors.keys()));
    setDone(
      t("bulkDecided", { done: chosen.length - errors.size, count: chosen.length }) +
        (errors.size ? ` ${t("bulkFailed", { count: errors.size })}` : ""),
    );
    reload();
  };
  const download = () =>
    data &&
    downloadCsv(
      "review-queue.csv",
      toCsv(data.data, {
        id: (item) => item.id,
        referrer: (item) => item.referrer.name,
        referrerId: (item) => item.referrer.id,
        referee: (item) => item.referee.name,
        refereeId: (item) => item.referee.id,
        reasons: (item) => item.reasons.join(" "),
        matched: (item) =>
          item.reasonDetails.map((detail) => `${detail.code}:${detail.matched ?? ""}`).join(" "),
        source: (item) => item.source,
        rewardPoints: (item) => item.rewardPoints,
        createdAt: (item) => item.createdAt,
      }),
    );
  return (
    <>
      <h1>{t("reviewTitle")}</h1>
      <div class="row">
        <div class="field">
          <label for="review-reason">{t("heldFor")}</label>
          <select
            id="review-reason"
            value={filter}
            onChange={(event) => {
              setFilter(event.currentTarget.value as Reason | "");
              setSelected(new Set());
            }}
          >
            <option value="">{t("allReasons")}</option>
            {REASONS.map((reason) => (
              <option key={reason} value={reason}>
                {term("reason", reason)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="secondary" onClick={download} disabled={!data}>
          {t("downloadCsv")}
        </button>
      </div>
      {items.length > 0 && (
        <div class="row">
          <label>
            <input
              type="checkbox"
              checked={chosen.length === items.length}
              onChange={(event) =>
                setSelected(
                  new Set(event.currentTarget.checked ? items.map((item) => item.id) : []),
                )
              }
            />{" "}
            {t("selectAll")}
          </label>
          <button
            type="button"
            disabled={bulkBusy || chosen.length === 0}
            onClick={() => decideSelected("approve")}
          >
            {t("approveSelected", { count: chosen.length })}
          </button>
          <input
            aria-label={t("rejectReasonSelected")}
            placeholder={t("rejectReason")}
            value={bulkReason}
            onInput={(event) => setBulkReason(event.currentTarget.value)}
          />
          <button
            type="button"
            class="secondary"
            disabled={bulkBusy || chosen.length === 0 || !bulkReason.trim()}
            onClick={() => decideSelected("reject")}
          >
            {t("rejectSelected", { count: chosen.length })}
          </button>
        </div>
      )}
      {done && <Notice kind={bulkErrors.size ? "error" : "ok"}>{done}</Notice>}
      <Table
        card
        headings={[
          t("select"),
          t("referrer"),
          t("referee"),
          t("reasons"),
          t("source"),
          t("created"),
          `${t("approve")} / ${t("reject")}`,
        ]}
        rows={data?.data}
        error={error}
        empty={t("queueEmpty")}
        row={(item) => (
          <ReviewRow
            key={item.id}
            item={item}
            selected={selected.has(item.id)}
            onSelect={(on) => select(item.id, on)}
            bulkError={bulkErrors.get(item.id)}
            onDecided={(text) => {
              setDone(text);
              setBulkErrors(new Map());
              reload();
            }}
          />
        )}
      />
    </>
  );
}
