/**
 * The Messages page: every text people get (SMS, email, the share text, link previews), in
 * every language, as admins worded it or by default. Edit one with a live preview in its own
 * language and direction; the API's reasons for refusing it are shown at the field; restore
 * the default after a confirmation.
 */
import { useEffect, useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import { direction, LOCALE_NAMES, LOCALES, type Locale } from "../shared/i18n/locale";
import { type Catalogue, catalogueOf, currentLocale, type MessageKey, t } from "../shared/messages";
import { Card, Field, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { ConfirmButton } from "./controls";
import {
  MESSAGE_KINDS,
  MESSAGE_MAX_LENGTH,
  type MessageKind,
  placeholderList,
  previewText,
  problemOf,
  sampleValues,
  textDetails,
  textLength,
} from "./message-rules";

type MessageText = Schemas["MessageText"];

const kindName = (kind: MessageKind) => t(`messageKind_${kind}` as MessageKey);

/** The API's reasons in the page's words: its own where the page is English and none is known. */
function problemsInWords(error: unknown): string | undefined {
  const reasons = textDetails(error).map((message) => {
    const known = problemOf(message);
    if (known) return t(known.key, known.values);
    return currentLocale() === "en" ? message : t("checkField");
  });
  return reasons.length > 0 ? reasons.join(" ") : undefined;
}

/** `link`: the signed-in admin's own referral link, the shape every participant's link has. */
export function MessagesPage({ link }: { link: string }) {
  const [locale, setLocale] = useState<Locale>(currentLocale);
  const texts = useApi(() => api.GET("/v1/admin/messages"));
  // The chosen language's words, for the preview's sample values.
  const [words, setWords] = useState<Catalogue | null>(null);
  useEffect(() => {
    let live = true;
    catalogueOf(locale).then((catalogue) => live && setWords(catalogue));
    return () => {
      live = false;
    };
  }, [locale]);
  const byKind = new Map(
    texts.data?.data.filter((text) => text.locale === locale).map((text) => [text.kind, text]),
  );
  return (
    <>
      <h1>{t("messagesTitle")}</h1>
      <p class="muted">{t("messagesIntro", { link: "{link}" })}</p>
      <fieldset class="row choice">
        <legend class="muted">{t("messagesLanguage")}</legend>
        {LOCALES.map((option) => (
          <button
            key={option}
            type="button"
            class="secondary"
            lang={option}
            aria-pressed={locale === option}
            onClick={() => setLocale(option)}
          >
            {LOCALE_NAMES[option]}
          </button>
        ))}
      </fieldset>
      {texts.error ? <Notice kind="error">{errorText(texts.error)}</Notice> : null}
      {words &&
        MESSAGE_KINDS.map((kind) => {
          const message = byKind.get(kind);
          return message ? (
            <MessageEditor
              key={`${kind}/${locale}`}
              message={message}
              samples={sampleValues(words, locale, link, Date.now())}
              onChanged={texts.reload}
            />
          ) : null;
        })}
    </>
  );
}

function MessageEditor({
  message,
  samples,
  onChanged,
}: {
  message: MessageText;
  samples: ReturnType<typeof sampleValues>;
  onChanged: () => void;
}) {
  const { kind, locale } = message;
  const [text, setText] = useState(message.text);
  // A save or a restore elsewhere on the page brings the text in force.
  useEffect(() => setText(message.text), [message.text]);
  // The API's reasons for refusing a text are read from its details (problemsInWords).
  const { busy, outcome, failure, submit } = useSubmit();
  const path = { params: { path: { kind, locale } } };
  const saved = (words: string) => () => {
    onChanged();
    return words;
  };
  const save = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.PUT("/v1/admin/messages/{kind}/{locale}", { ...path, body: { text } }),
      saved(t("messageSaved")),
    );
  };
  const restore = () =>
    submit(
      () => api.DELETE("/v1/admin/messages/{kind}/{locale}", path),
      saved(t("messageRestored")),
    );

  const dir = direction(locale);
  return (
    <Card title={kindName(kind)}>
      <p>
        <span class="badge">{message.custom ? t("messageCustom") : t("messageDefault")}</span>{" "}
        <span class="muted">{t("messagePlaceholders", { list: placeholderList(kind) })}</span>
      </p>
      <form onSubmit={save} noValidate>
        <Field
          label={t("messageText", { language: LOCALE_NAMES[locale] })}
          rows={3}
          lang={locale}
          dir={dir}
          value={text}
          error={problemsInWords(failure)}
          onValue={setText}
        />
        <p class="muted">
          {t("messageLength", { count: textLength(text), max: MESSAGE_MAX_LENGTH })}
        </p>
        <h3>{t("messagePreview")}</h3>
        <p class="preview" lang={locale} dir={dir} data-testid={`preview-${kind}`}>
          {previewText(text, locale, samples)}
        </p>
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <div class="row">
          <button type="submit" disabled={busy || text === message.text}>
            {t("save")}
          </button>
          {message.custom && (
            <ConfirmButton
              label={t("messageRestore")}
              question={t("messageRestoreConfirm")}
              confirmLabel={t("messageRestoreYes")}
              onConfirm={restore}
            />
          )}
        </div>
      </form>
    </Card>
  );
}
