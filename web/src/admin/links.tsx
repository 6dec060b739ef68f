import { useEffect, useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import { type MessageKey, t } from "../shared/messages";
import { Card, Field, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

type Settings = Schemas["LinkSettings"];

/** The form's fields: each a text input; an app whose fields are all empty is "not set" (null). */
const fields = {
  packageName: "linksAndroidPackage",
  fingerprints: "linksAndroidFingerprints",
  appId: "linksIosAppId",
  appStoreId: "linksIosAppStoreId",
  previewImageUrl: "linksPreviewImage",
} as const satisfies Record<string, MessageKey>;
type FieldName = keyof typeof fields;
type Form = Record<FieldName, string>;

const groups: { title: MessageKey; names: FieldName[] }[] = [
  { title: "linksAndroid", names: ["packageName", "fingerprints"] },
  { title: "linksIos", names: ["appId", "appStoreId"] },
  { title: "linksPreview", names: ["previewImageUrl"] },
];

/** Where the API's error paths (`android.sha256CertFingerprints.0`) show in the form. */
const errorPaths: Record<FieldName, string> = {
  packageName: "android.packageName",
  fingerprints: "android.sha256CertFingerprints",
  appId: "ios.appId",
  appStoreId: "ios.appStoreId",
  previewImageUrl: "previewImageUrl",
};

function toForm(settings: Settings): Form {
  return {
    packageName: settings.android?.packageName ?? "",
    fingerprints: settings.android?.sha256CertFingerprints.join(", ") ?? "",
    appId: settings.ios?.appId ?? "",
    appStoreId: settings.ios?.appStoreId ?? "",
    previewImageUrl: settings.previewImageUrl ?? "",
  };
}

function toSettings(form: Form): Settings {
  const value = (name: FieldName) => form[name].trim();
  const fingerprints = value("fingerprints")
    .split(/[\s,]+/)
    .filter(Boolean);
  return {
    android:
      value("packageName") || fingerprints.length > 0
        ? { packageName: value("packageName"), sha256CertFingerprints: fingerprints }
        : null,
    ios:
      value("appId") || value("appStoreId")
        ? { appId: value("appId"), appStoreId: value("appStoreId") }
        : null,
    previewImageUrl: value("previewImageUrl") || null,
  };
}

/** How invite links reach the app: the Android and iOS apps and the link preview's image. */
export function LinksPage() {
  const { data, error } = useApi(() => api.GET("/v1/admin/link-settings"));
  const [form, setForm] = useState<Form | null>(null);
  const { busy, outcome, errors, submit } = useSubmit();
  useEffect(() => {
    if (data) setForm(toForm(data));
  }, [data]);
  if (error) return <Notice kind="error">{errorText(error)}</Notice>;
  if (!form) return <p class="muted">{t("loading")}</p>;

  const fieldError = (name: FieldName) =>
    Object.entries(errors).find(([path]) => path.startsWith(errorPaths[name]))?.[1];
  const save = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.PUT("/v1/admin/link-settings", { body: toSettings(form) }),
      (saved) => {
        setForm(toForm(saved));
        return t("linksSaved");
      },
    );
  };
  return (
    <form onSubmit={save} noValidate>
      <h1>{t("linksTitle")}</h1>
      <p class="muted">{t("linksIntro")}</p>
      {groups.map((group) => (
        <Card key={group.title} title={t(group.title)}>
          {group.names.map((name) => (
            <Field
              key={name}
              label={t(fields[name])}
              value={form[name]}
              autocapitalize="none"
              error={fieldError(name)}
              onValue={(value) => setForm({ ...form, [name]: value })}
            />
          ))}
        </Card>
      ))}
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <button type="submit" disabled={busy}>
        {t("save")}
      </button>
    </form>
  );
}
