import { useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import { downloadCsv, toCsv } from "../shared/csv";
import { t, term } from "../shared/messages";
import { formatDate, Notice, Table, useApi } from "../shared/ui";

type Item = Schemas["ReviewItem"];

function ReviewRow({ item, onDecided }: { item: Item; onDecided: (text: string) => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    const params = { path: { id: item.id } };
    try {
      const result =
        decision === "approve"
          ? await api.POST("/v1/admin/referrals/{id}/approve", { params })
          : await api.POST("/v1/admin/referrals/{id}/reject", { params, body: { reason } });
      if (result.error) setError(errorText(result.error));
      else
        onDecided(
          t(decision === "approve" ? "approvedOne" : "rejectedOne", { name: item.referee.name }),
        );
    } catch {
      setError(t("error_network"));
    } finally {
      setBusy(false);
    }
  };
  const reasonLabel = t("rejectReasonFor", { name: item.referee.name });
  return (
    <tr>
      <td>
        {item.referrer.name}
        <br />
        <a class="muted" href={`#users/${encodeURIComponent(item.referrer.id)}`}>
          {item.referrer.id}
        </a>
      </td>
      <td>{item.referee.name}</td>
      <td>{item.reasons.map((reason) => term("reason", reason)).join(", ")}</td>
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
        {error && <Notice kind="error">{error}</Notice>}
      </td>
    </tr>
  );
}

export function ReviewPage() {
  const { data, error, reload } = useApi(() =>
    api.GET("/v1/admin/referrals", { params: { query: { status: "held", limit: 100 } } }),
  );
  const [done, setDone] = useState<string | null>(null);
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
        source: (item) => item.source,
        rewardPoints: (item) => item.rewardPoints,
        createdAt: (item) => item.createdAt,
      }),
    );
  return (
    <>
      <h1>{t("reviewTitle")}</h1>
      <div class="row">
        <button type="button" class="secondary" onClick={download} disabled={!data}>
          {t("downloadCsv")}
        </button>
      </div>
      {done && <Notice kind="ok">{done}</Notice>}
      <Table
        card
        headings={[
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
            onDecided={(text) => {
              setDone(text);
              reload();
            }}
          />
        )}
      />
    </>
  );
}
