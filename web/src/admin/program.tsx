import { useEffect, useState } from "preact/hooks";
import { api, errorText, fieldErrors, type Schemas } from "../shared/api";
import { type MessageKey, t } from "../shared/messages";
import {
  Card,
  Field,
  formatDate,
  formatDateTime,
  LoadMore,
  Notice,
  useApi,
  usePages,
} from "../shared/ui";

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
    fields: { fromReferral: "fromReferral", points: "rewardPoints" },
    blank: { fromReferral: 1, points: 0 },
  },
  milestones: {
    fields: { referrals: "referrals", unlock: "unlock", bonusPoints: "bonusPoints" },
    blank: { referrals: 1, unlock: "", bonusPoints: 0 },
  },
  badges: { fields: { name: "name", referrals: "referrals" }, blank: { name: "", referrals: 1 } },
} as const satisfies Record<string, { fields: Record<string, MessageKey>; blank: object }>;

const textFields = new Set(["unlock", "name", "qualification"]);

type Version = Schemas["Program"];

/** Earlier versions: one shown at a time, and published again as the newest on Restore. */
function ProgramVersions({ current, onRestored }: { current: number; onRestored: () => void }) {
  // A new version (published or restored) starts the list afresh.
  const pages = usePages(
    (cursor) => api.GET("/v1/admin/program/versions", { params: { query: { cursor, limit: 20 } } }),
    [current],
  );
  const [chosen, setChosen] = useState<Version | null>(null);
  const [outcome, setOutcome] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const restore = async (version: Version) => {
    try {
      const { data: saved, error } = await api.PUT("/v1/admin/program", {
        body: { rules: version.rules },
      });
      setOutcome(
        saved
          ? {
              kind: "ok",
              text: t("restored", { version: version.version, published: saved.version }),
            }
          : { kind: "error", text: errorText(error) },
      );
      if (saved) onRestored();
    } catch {
      setOutcome({ kind: "error", text: t("error_network") });
    }
  };
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
            <button type="button" onClick={() => restore(chosen)}>
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
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
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
          setRules(write(rules, path, isText ? text : parseNumber(text, nullable)))
        }
      />
    );
  };

  const publish = async (event: Event) => {
    event.preventDefault();
    setOutcome(null);
    try {
      const { data: saved, error } = await api.PUT("/v1/admin/program", { body: { rules } });
      if (saved) {
        setErrors({});
        setOutcome({ kind: "ok", text: t("published", { version: saved.version }) });
        reload();
      } else {
        setErrors(fieldErrors(error));
        setOutcome({ kind: "error", text: `${t("fixErrors")} ${errorText(error)}` });
      }
    } catch {
      setOutcome({ kind: "error", text: t("error_network") });
    }
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
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit">{t("publish")}</button>
      </form>
      <ProgramVersions current={data.version} onRestored={reload} />
    </>
  );
}
