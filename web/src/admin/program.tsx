import { useEffect, useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import { type MessageKey, t } from "../shared/messages";
import {
  Card,
  Field,
  formatDate,
  formatDateTime,
  formatNumber,
  LoadMore,
  Notice,
  Table,
  useApi,
  usePages,
} from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

type Rules = Schemas["Program"]["rules"];
type Path = (string | number)[];

function read(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], value);
}

/** A copy of `value` with the leaf at `path` replaced (the form never mutates its state). */
function write<T>(value: T, path: Path, leaf: unknown): T {
  const [head, ...rest] = path;
  if (head === undefined) return leaf as T;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<
    string | number,
    unknown
  >;
  copy[head] = write(copy[head], rest, leaf);
  return copy as T;
}

/** What a number input holds, as the API expects it: a number, null when empty and allowed. */
function parseNumber(text: string, nullable: boolean): unknown {
  if (text.trim() === "") return nullable ? null : text;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

const lists = {
  referrerTiers: {
    fields: {
      fromReferral: "fromReferral",
      points: "rewardPoints",
      percentOfAmount: "percentOfAmount",
      maxPoints: "maxPoints",
    },
    blank: { fromReferral: 1, points: 0 },
  },
  milestones: {
    fields: { referrals: "referrals", unlock: "unlock", bonusPoints: "bonusPoints" },
    blank: { referrals: 1, unlock: "", bonusPoints: 0 },
  },
  badges: { fields: { name: "name", referrals: "referrals" }, blank: { name: "", referrals: 1 } },
} as const satisfies Record<string, { fields: Record<string, MessageKey>; blank: object }>;

const textFields = new Set(["unlock", "name", "qualification"]);
/** A tier pays points or a percent of the amount: the one left empty is left out. */
const omittedWhenEmpty = new Set(["points", "percentOfAmount", "maxPoints"]);

type Simulation = Schemas["Simulation"];
const outcomeRows = [
  "qualified",
  "held",
  "referrerPoints",
  "refereePoints",
  "bonusPoints",
  "totalPoints",
] as const satisfies readonly (keyof Simulation["current"])[];
const outcomeLabels: Record<(typeof outcomeRows)[number], MessageKey> = {
  qualified: "qualified",
  held: "status_held",
  referrerPoints: "referrerPoints",
  refereePoints: "refereePoints",
  bonusPoints: "bonusPoints",
  totalPoints: "totalPoints",
};

/** The draft replayed over the last days' referrals next to the rules in force, before Publish. */
function SimulationCard({ rules }: { rules: Rules }) {
  const [days, setDays] = useState("30");
  const [result, setResult] = useState<Simulation | null>(null);
  const { busy, outcome, submit } = useSubmit();
  const simulate = () =>
    submit(() => {
      setResult(null);
      return api.POST("/v1/admin/program/simulations", { body: { rules, days: Number(days) } });
    }, setResult);
  return (
    <Card title={t("simulationTitle")}>
      <div class="row">
        <Field label={t("simulationDays")} type="number" value={days} onValue={setDays} />
      </div>
      <button type="button" class="secondary" disabled={busy} onClick={simulate}>
        {t("simulate")}
      </button>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      {result && (
        <>
          <p class="muted">
            {t("simulationOf", { count: formatNumber(result.referrals), days: result.days })}
          </p>
          <Table
            headings={[t("outcome"), t("rulesInForce"), t("thisDraft")]}
            rows={outcomeRows}
            row={(key) => (
              <tr key={key}>
                <th scope="row">{t(outcomeLabels[key])}</th>
                <td>{formatNumber(result.current[key])}</td>
                <td>{formatNumber(result.draft[key])}</td>
              </tr>
            )}
          />
        </>
      )}
    </Card>
  );
}

type Version = Schemas["Program"];

/** Earlier versions: one shown at a time, and published again as the newest on Restore. */
function ProgramVersions({ current, onRestored }: { current: number; onRestored: () => void }) {
  // A new version (published or restored) starts the list afresh.
  const pages = usePages(
    (cursor) => api.GET("/v1/admin/program/versions", { params: { query: { cursor, limit: 20 } } }),
    [current],
  );
  const [chosen, setChosen] = useState<Version | null>(null);
  const { busy, outcome, submit } = useSubmit();
  const restore = (version: Version) =>
    submit(
      () => api.PUT("/v1/admin/program", { body: { rules: version.rules } }),
      (saved) => {
        onRestored();
        return t("restored", { version: version.version, published: saved.version });
      },
    );
  return (
    <Card title={t("versions")}>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      {pages.error ? <Notice kind="error">{errorText(pages.error)}</Notice> : null}
      <ul class="plain">
        {pages.rows.map((version) => (
          <li key={version.version}>
            <span>
              {t("versionOf", { version: version.version })}{" "}
              <span class="muted">{formatDateTime(version.createdAt)}</span>
              {version.version === current && <span class="badge">{t("inForce")}</span>}
            </span>
            <button
              type="button"
              class="secondary"
              aria-pressed={chosen?.version === version.version}
              onClick={() => setChosen(chosen?.version === version.version ? null : version)}
            >
              {t("showVersion", { version: version.version })}
            </button>
          </li>
        ))}
      </ul>
      <LoadMore pages={pages} />
      {chosen && (
        <section aria-label={t("versionOf", { version: chosen.version })}>
          <h3>{t("versionOf", { version: chosen.version })}</h3>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls; keyboard users must reach it. */}
          <pre class="rules" tabIndex={0}>
            {JSON.stringify(chosen.rules, null, 2)}
          </pre>
          {chosen.version !== current && (
            <button type="button" disabled={busy} onClick={() => restore(chosen)}>
              {t("restoreVersion", { version: chosen.version })}
            </button>
          )}
        </section>
      )}
    </Card>
  );
}

export function ProgramPage() {
  const { data, reload } = useApi(() => api.GET("/v1/admin/program"));
  const [rules, setRules] = useState<Rules | null>(null);
  const { busy, outcome, errors, failure, submit } = useSubmit();
  useEffect(() => setRules(data?.rules ?? null), [data]);
  if (!rules || !data) return <p class="muted">{t("loading")}</p>;

  const field = (path: Path, label: string, nullable = false) => {
    const key = ["rules", ...path].join(".");
    const isText = textFields.has(String(path[path.length - 1]));
    const value = read(rules, path);
    return (
      <Field
        key={key}
        label={label}
        type={isText ? "text" : "number"}
        value={value === null || value === undefined ? "" : String(value)}
        error={errors[key]}
        onValue={(text) =>
          setRules(
            write(
              rules,
              path,
              isText
                ? text
                : text.trim() === "" && omittedWhenEmpty.has(String(path[path.length - 1]))
                  ? undefined
                  : parseNumber(text, nullable),
            ),
          )
        }
      />
    );
  };

  const publish = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.PUT("/v1/admin/program", { body: { rules } }),
      (saved) => {
        reload();
        return t("published", { version: saved.version });
      },
    );
  };

  return (
    <>
      <h1>{t("programTitle")}</h1>
      <p class="muted">
        {t("version", { version: data.version, date: formatDate(data.createdAt) })}
      </p>
      <form onSubmit={publish} noValidate>
        <Card title={t("programTitle")}>
          <div class="row">
            {field(["refereeBonus"], t("refereeBonus"))}
            {field(["qualification"], t("qualification"))}
            {field(["holdDays"], t("holdDays"))}
          </div>
          <div class="row">
            {field(["caps", "perDay"], t("capsPerDay"), true)}
            {field(["caps", "perMonth"], t("capsPerMonth"), true)}
            {field(["pointsExpiryDays"], t("pointsExpiryDays"), true)}
            {field(["codeExpiryDays"], t("codeExpiryDays"), true)}
            {field(["minimumAmount"], t("minimumAmount"), true)}
          </div>
          <div class="row">
            {field(["budget", "pointsPerDay"], t("budgetPerDay"), true)}
            {field(["budget", "pointsPerMonth"], t("budgetPerMonth"), true)}
          </div>
        </Card>
        {(Object.keys(lists) as (keyof typeof lists)[]).map((list) => (
          <Card key={list} title={t(list)}>
            {errors[`rules.${list}`] && <Notice kind="error">{errors[`rules.${list}`]}</Notice>}
            {(rules[list] as unknown[]).map((_, index) => (
              <div class="row" key={index}>
                {Object.entries(lists[list].fields).map(([name, label]) =>
                  field([list, index, name], `${t(label)} (${index + 1})`),
                )}
                <button
                  type="button"
                  class="link"
                  onClick={() =>
                    setRules({
                      ...rules,
                      [list]: (rules[list] as unknown[]).filter((__, i) => i !== index),
                    })
                  }
                >
                  {t("removeRow")}
                </button>
              </div>
            ))}
            <button
              type="button"
              class="secondary"
              onClick={() =>
                setRules({ ...rules, [list]: [...(rules[list] as unknown[]), lists[list].blank] })
              }
            >
              {t("addRow")}
            </button>
          </Card>
        ))}
        <SimulationCard rules={rules} />
        {outcome && (
          <Notice kind={outcome.kind}>
            {/* A refusal points at the fields it marks (no answer at all marks none). */}
            {failure ? `${t("fixErrors")} ${outcome.text}` : outcome.text}
          </Notice>
        )}
        <button type="submit" disabled={busy}>
          {t("publish")}
        </button>
      </form>
      <ProgramVersions current={data.version} onRestored={reload} />
    </>
  );
}
