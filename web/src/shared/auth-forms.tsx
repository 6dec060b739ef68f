import { useState } from "preact/hooks";
import { api, logIn, register, type Schemas } from "./api";
import { useChallenge } from "./challenge";
import { currentLocale, t } from "./messages";
import { Card, Field, NewPasswordField, Notice, useApi } from "./ui";
import { useSubmit } from "./use-submit";

/** The invite code and source of the landing URL (`/r/CODE` redirects here with `?ref=&src=`). */
function landing() {
  const params = new URLSearchParams(location.search);
  return { ref: params.get("ref") ?? "", src: params.get("src") ?? "" };
}

export function SignUpForm({ onDone }: { onDone: () => void }) {
  const initial = landing();
  const [form, setForm] = useState({
    name: "",
    phone: "",
    password: "",
    referralCode: initial.ref,
  });
  const { busy, outcome, errors, submit } = useSubmit();
  const challenge = useChallenge();
  const referrer = useApi<Schemas["ReferralCode"]>(
    () =>
      form.referralCode.length >= 6
        ? api.GET("/v1/referral-codes/{code}", { params: { path: { code: form.referralCode } } })
        : Promise.resolve({}),
    [form.referralCode],
  );
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  const signUp = (event: Event) => {
    event.preventDefault();
    // Without a code typed here, the API falls back to the invite link's `ref` cookie.
    const body = {
      name: form.name,
      phone: form.phone,
      password: form.password,
      ...(form.referralCode.trim() ? { referralCode: form.referralCode.trim() } : {}),
      ...(initial.src ? { source: initial.src } : {}),
      // The account speaks the language of the page it was made on (its SMS, its share text).
      locale: currentLocale(),
    } as Schemas["RegisterRequest"];
    submit(() => register(body, challenge.headers()).finally(challenge.reset), onDone);
  };

  return (
    <Card title={t("signUpTitle")}>
      {referrer.data?.valid && (
        <p class="muted">{t("invitedBy", { name: referrer.data.referrer.name })}</p>
      )}
      <form onSubmit={signUp} noValidate>
        <Field
          label={t("name")}
          autocomplete="name"
          required
          value={form.name}
          error={errors.name}
          onValue={set("name")}
        />
        <Field
          label={t("phone")}
          type="tel"
          autocomplete="tel"
          required
          value={form.phone}
          error={errors.phone}
          onValue={set("phone")}
        />
        <NewPasswordField
          label={t("password")}
          value={form.password}
          error={errors.password}
          onValue={set("password")}
        />
        <Field
          label={t("referralCode")}
          autocapitalize="characters"
          value={form.referralCode}
          error={errors.referralCode}
          onValue={set("referralCode")}
        />
        {challenge.widget}
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy || !challenge.ready}>
          {t("createAccount")}
        </button>
      </form>
    </Card>
  );
}

export function LogInForm({ onDone, title }: { onDone: () => void; title?: string }) {
  const [form, setForm] = useState({ phone: "", password: "" });
  const { busy, outcome, errors, submit } = useSubmit();
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const logInNow = (event: Event) => {
    event.preventDefault();
    submit(() => logIn(form), onDone);
  };

  return (
    <Card title={title ?? t("logInTitle")}>
      <form onSubmit={logInNow} noValidate>
        <Field
          label={t("phone")}
          type="tel"
          autocomplete="tel"
          required
          value={form.phone}
          error={errors.phone}
          onValue={set("phone")}
        />
        <Field
          label={t("password")}
          type="password"
          autocomplete="current-password"
          required
          value={form.password}
          error={errors.password}
          onValue={set("password")}
        />
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy}>
          {t("logIn")}
        </button>
      </form>
    </Card>
  );
}
