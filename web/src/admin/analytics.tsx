import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, errorText, type Schemas } from "../shared/api";
import { downloadCsv, toCsv } from "../shared/csv";
import { currentLocale, formatPercent, intlTag, t, term } from "../shared/messages";
import { Card, Field, formatDate, formatNumber, Notice, Table, useApi } from "../shared/ui";

const day = (date: Date) => date.toISOString().slice(0, 10);

function DailyChart({ daily }: { daily: Schemas["ProgramAnalytics"]["daily"] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const styles = getComputedStyle(document.documentElement);
    const brand = styles.getPropertyValue("--brand").trim() || "#4338ca";
    const chart = new uPlot(
      {
        width: Math.max(280, target.clientWidth),
        height: 260,
        series: [
          { label: t("date") },
          { label: t("clicks"), stroke: "#94a3b8", width: 2 },
          { label: t("signups"), stroke: brand, width: 2 },
          { label: t("qualified"), stroke: "#16a34a", width: 2 },
        ],
        axes: [{}, {}],
        // The axis dates in the page's language, not uPlot's English month names.
        fmtDate: () => {
          const format = new Intl.DateTimeFormat(intlTag(), { month: "short", day: "numeric" });
          return (date: Date) => format.format(date);
        },
      },
      [
        daily.map((row) => Date.parse(`${row.date}T00:00:00Z`) / 1000),
        daily.map((row) => row.clicks),
        daily.map((row) => row.signups),
        daily.map((row) => row.qualified),
      ],
      target,
    );
    return () => chart.destroy();
  }, [daily, currentLocale()]);
  return <div class="chart" ref={element} role="img" aria-label={t("dailyChart")} />;
}

export function AnalyticsPage() {
  const [range, setRange] = useState(() => {
    const to = new Date();
    return { from: day(new Date(to.getTime() - 29 * 86_400_000)), to: day(to) };
  });
  const [draft, setDraft] = useState(range);
  const { data, error } = useApi(
    () => api.GET("/v1/admin/analytics", { params: { query: range } }),
    [range.from, range.to],
  );
  const download = () =>
    data &&
    downloadCsv(
      `analytics-${data.from}-${data.to}.csv`,
      toCsv(data.daily, {
        date: (row) => row.date,
        clicks: (row) => row.clicks,
        signups: (row) => row.signups,
        qualified: (row) => row.qualified,
      }),
    );
  return (
    <>
      <h1>{t("analyticsTitle")}</h1>
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          setRange(draft);
        }}
      >
        <Field
          label={t("from")}
          type="date"
          value={draft.from}
          onValue={(from) => setDraft({ ...draft, from })}
        />
        <Field
          label={t("to")}
          type="date"
          value={draft.to}
          onValue={(to) => setDraft({ ...draft, to })}
        />
        <button type="submit">{t("apply")}</button>
        <button type="button" class="secondary" onClick={download} disabled={!data}>
          {t("downloadCsv")}
        </button>
      </form>
      {error ? <Notice kind="error">{errorText(error)}</Notice> : null}
      {data && (
        <>
          <Card title={`${formatDate(data.from)} – ${formatDate(data.to)}`}>
            <div class="stats">
              {(
                [
                  ["clicks", data.clicks],
                  ["signups", data.signups],
                  ["referredSignups", data.referredSignups],
                  ["qualified", data.qualified],
                ] as const
              ).map(([key, value]) => (
                <div class="stat" key={key}>
                  <span class="muted">{t(key)}</span>
                  <strong>{formatNumber(value)}</strong>
                </div>
              ))}
              <div class="stat">
                <span class="muted">{t("conversionRate")}</span>
                <strong>{formatPercent(data.conversionRate)}</strong>
              </div>
            </div>
            <DailyChart daily={data.daily} />
          </Card>
          <Card title={t("bySource")}>
            <Table
              headings={[t("source"), t("clicks"), t("signups")]}
              rows={Object.entries(data.bySource)}
              row={([source, counts]) => (
                <tr key={source}>
                  <td>{term("source", source)}</td>
                  <td>{formatNumber(counts.clicks)}</td>
                  <td>{formatNumber(counts.signups)}</td>
                </tr>
              )}
            />
          </Card>
          <Card title={t("topReferrers")}>
            <Table
              headings={[t("name"), t("referrals"), t("userId")]}
              rows={data.topReferrers}
              row={(row) => (
                <tr key={row.userId}>
                  <td>{row.name}</td>
                  <td>{formatNumber(row.referrals)}</td>
                  <td>
                    <a href={`#users/${encodeURIComponent(row.userId)}`}>{row.userId}</a>
                  </td>
                </tr>
              )}
            />
          </Card>
        </>
      )}
    </>
  );
}
