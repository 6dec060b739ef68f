import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { errorText, type Schemas } from "./api";
import { LOCALE_NAMES, LOCALES, type Locale } from "./i18n/locale";
import { chooseLanguage } from "./language";
import { currentLocale, t } from "./messages";
import { networkFailure } from "./submit-rules";

interface InputProps {
  type?: "text" | "tel" | "email" | "password" | "number" | "date" | "datetime-local";
  value: string | number;
  autocomplete?: string;
  autocapitalize?: "characters" | "none";
  required?: boolean;
  minLength?: number;
  min?: number;
  step?: number | "any";
  name?: string;
  inputMode?: "numeric" | "tel" | "email";
  /** A text of several lines: a textarea this many rows high. */
  rows?: number;
  /** The language and direction of what is typed, where it is not the page's. */
  lang?: string;
  dir?: "ltr" | "rtl";
}

/** A labelled input with its error underneath (announced with the input). */
export function Field(
  props: {
    label: string;
    error?: string | undefined;
    onValue: (value: string) => void;
  } & InputProps,
) {
  const { label, error, onValue, ...input } = props;
  const id = useId();
  const control = {
    id,
    ...(input as Record<string, unknown>),
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
    onInput: (event: Event) => onValue((event.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {input.rows ? <textarea {...control} /> : <input {...control} />}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A new password: at least 8 characters, as the API asks, offered to password managers as new. */
export function NewPasswordField(props: {
  label: string;
  value: string;
  error?: string | undefined;
  onValue: (value: string) => void;
}) {
  return <Field {...props} type="password" autocomplete="new-password" required minLength={8} />;
}

/**
 * Copies `text`. Inside an iframe without clipboard permission the async API refuses; the old
 * select-and-copy of a hidden field still works there.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.className = "sr-live";
    document.body.append(field);
    field.select();
    const ok = document.execCommand("copy");
    field.remove();
    return ok;
  }
}

/** A button that copies `text`, saying so for a moment. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const ok = await copyText(text);
    setCopied(ok);
    if (ok) setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" class="secondary" onClick={copy}>
      {label}
      <span class="sr-live" aria-live="polite">
        {copied ? ` · ${t("copied")}` : ""}
      </span>
    </button>
  );
}

export function Notice({ kind, children }: { kind: "error" | "ok"; children: ComponentChildren }) {
  return (
    <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </p>
  );
}

/** A titled section, named by its title (a region a screen reader can jump to). */
export function Card({ title, children }: { title: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/**
 * Loads with `load` when `deps` change; `reload()` loads again. `load` answers openapi-fetch's
 * `{ data, error }`.
 */
export function useApi<T>(
  load: () => Promise<{ data?: T; error?: unknown }>,
  deps: unknown[] = [],
): { data: T | null; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({
    data: null,
    error: null,
  });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    load().then(
      (result) => live && setState({ data: result.data ?? null, error: result.error ?? null }),
      () => live && setState({ data: null, error: networkFailure }),
    );
    return () => {
      live = false;
    };
  }, [round, ...deps]);
  return { ...state, reload };
}

type Page<T> = { data: T[]; nextCursor: string | null };

/**
 * A newest-first list read a page at a time: the first page when `deps` change, the next one
 * (after `nextCursor`) on `more()`. `load` answers openapi-fetch's `{ data, error }`.
 */
export function usePages<T>(
  load: (cursor: string | undefined) => Promise<{ data?: Page<T>; error?: unknown }>,
  deps: unknown[] = [],
) {
  const [state, setState] = useState<{ rows: T[]; nextCursor: string | null; error: unknown }>({
    rows: [],
    nextCursor: null,
    error: null,
  });
  const [loading, setLoading] = useState(true);
  // Answers of an earlier list (before `deps` changed) are dropped.
  const generation = useRef(0);
  const fetchPage = async (cursor: string | undefined, before: T[]) => {
    const mine = generation.current;
    setLoading(true);
    const result = await load(cursor).catch(() => ({
      data: undefined,
      error: networkFailure,
    }));
    if (mine !== generation.current) return;
    setState(
      result.data
        ? {
            rows: [...before, ...result.data.data],
            nextCursor: result.data.nextCursor,
            error: null,
          }
        : { rows: before, nextCursor: cursor ?? null, error: result.error ?? null },
    );
    setLoading(false);
  };
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    // The rows shown stay until the new first page replaces them: items keep their state.
    generation.current += 1;
    fetchPage(undefined, []);
  }, [round, ...deps]);
  const more = () => {
    if (state.nextCursor) fetchPage(state.nextCursor, state.rows);
  };
  return { ...state, loading, more, reload };
}

/**
 * A list as a table: a heading per column and a row per item. Above it, the API's error in
 * words; instead of it, `empty` when nothing came (and nothing is still coming).
 */
export function Table<T>(props: {
  headings: string[];
  rows: readonly T[] | undefined;
  row: (item: T) => ComponentChildren;
  error?: unknown;
  loading?: boolean;
  empty?: string;
  /** Drawn as a card of its own (a table that is not inside one). */
  card?: boolean;
}) {
  const { rows = [], error, loading = props.rows === undefined } = props;
  return (
    <>
      {error ? <Notice kind="error">{errorText(error)}</Notice> : null}
      {rows.length === 0 ? (
        !loading && !error && <p class="muted">{props.empty ?? t("none")}</p>
      ) : (
        <div class={props.card ? "table-wrap card" : "table-wrap"}>
          <table>
            <thead>
              <tr>
                {props.headings.map((heading) => (
                  <th key={heading}>{heading}</th>
                ))}
              </tr>
            </thead>
            <tbody>{rows.map(props.row)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** "Load more" under a paged list, while there is more. */
export function LoadMore({
  pages,
}: {
  pages: { nextCursor: string | null; loading: boolean; more: () => void };
}) {
  if (!pages.nextCursor) return null;
  return (
    <button type="button" class="secondary" disabled={pages.loading} onClick={pages.more}>
      {t("loadMore")}
    </button>
  );
}

export { formatDate, formatDateTime, formatNumber } from "./messages";

/**
 * The language choice: each language by its own name; `onChosen` once its words are loaded
 * and, when signed in, the choice is saved on the account (`user`: the account as saved).
 */
export function LanguageChoice({
  onChosen,
}: {
  onChosen: (locale: Locale, user: Schemas["User"] | null) => void;
}) {
  const id = useId();
  return (
    <span class="language">
      <label for={id} class="sr-live">
        {t("language")}
      </label>
      <select
        id={id}
        value={currentLocale()}
        onChange={async (event) => {
          const locale = event.currentTarget.value as Locale;
          onChosen(locale, await chooseLanguage(locale));
        }}
      >
        {LOCALES.map((locale) => (
          <option key={locale} value={locale} lang={locale}>
            {LOCALE_NAMES[locale]}
          </option>
        ))}
      </select>
    </span>
  );
}
