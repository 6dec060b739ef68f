/**
 * What a participant does for their own account, without asking anyone: a forgotten password
 * (a code by SMS), verifying their phone, their name, their password, their data, deleting
 * the account. Inside a shop's frame the shop owns sign-in: no password screens there.
 */
import { useId, useState } from "preact/hooks";
import { api, resetPassword, type Schemas } from "../shared/api";
import { useChallenge } from "../shared/challenge";
import { downloadFile } from "../shared/download";
import { t } from "../shared/messages";
import { clearSession } from "../shared/session";
import { Card, Field, NewPasswordField, Notice } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

const codeInput = { autocomplete: "one-time-code", inputMode: "numeric" } as const;

/** Forgot password: phone → a code by SMS → a new password → signed in. */
export function ResetPasswordForm({ onDone }: { onDone: () => void }) {
  const [step, setStep] = useState<"phone" | "code">("phone");
  const [form, setForm] = useState({ phone: "", code: "", newPassword: "" });
  const { busy, outcome, errors, submit } = useSubmit();
  const challenge = useChallenge();
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  const sendCode = (event: Event) => {
    event.preventDefault();
    submit(
      () =>
        api
          .POST("/v1/auth/password/reset", {
            body: { phone: form.phone },
            headers: challenge.headers(),
          })
          .finally(challenge.reset),
      () => {
        setStep("code");
        return t("codeSentTo", { phone: form.phone });
      },
    );
  };
  const confirm = (event: Event) => {
    event.preventDefault();
    submit(() => resetPassword(form), onDone);
  };

  return (
    <Card title={t("resetTitle")}>
      {step === "phone" ? (
        <form onSubmit={sendCode} noValidate>
          <p class="muted">{t("resetIntro")}</p>
          <Field
            label={t("phone")}
            type="tel"
            autocomplete="tel"
            required
            value={form.phone}
            error={errors.phone}
            onValue={set("phone")}
          />
          {challenge.widget}
          {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
          <button type="submit" disabled={busy || !challenge.ready}>
            {t("sendCode")}
          </button>
        </form>
      ) : (
        <form onSubmit={confirm} noValidate>
          {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
          <Field
            label={t("code")}
            {...codeInput}
            required
            value={form.code}
            error={errors.code}
            onValue={set("code")}
          />
          <NewPasswordField
            label={t("newPassword")}
            value={form.newPassword}
            error={errors.newPassword}
            onValue={set("newPassword")}
          />
          <div class="row">
            <button type="submit" disabled={busy}>
              {t("setPasswordAndLogIn")}
            </button>
            <button type="button" class="link" onClick={() => setStep("phone")}>
              {t("sendAgain")}
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}

/**
 * Asks a participant whose phone is not verified to verify it (the program may hold their
 * friends' referrals until they do, and a participant cannot see whether it does: ask always).
 */
export function VerifyPhoneCard({
  user,
  onVerified,
}: {
  user: Schemas["User"];
  onVerified: (user: Schemas["User"]) => void;
}) {
  const [sent, setSent] = useState(false);
  const [verified, setVerified] = useState(false);
  const [code, setCode] = useState("");
  const { busy, outcome, errors, submit } = useSubmit();
  const challenge = useChallenge();
  if (!user.phone || (user.phoneVerified && !verified)) return null;

  const send = () =>
    submit(
      () =>
        api
          .POST("/v1/auth/phone/verification", { headers: challenge.headers() })
          .finally(challenge.reset),
      () => {
        setSent(true);
        return t("codeSentTo", { phone: user.phone ?? "" });
      },
    );
  const check = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.POST("/v1/auth/phone/verification/check", { body: { code } }),
      (updated) => {
        setVerified(true);
        onVerified(updated);
        return t("phoneVerified");
      },
    );
  };

  return (
    <Card title={t("verifyTitle")}>
      {!verified && <p>{t("verifyIntro", { phone: user.phone })}</p>}
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      {!verified && sent && (
        <form onSubmit={check} noValidate>
          <Field
            label={t("code")}
            {...codeInput}
            required
            value={code}
            error={errors.code}
            onValue={setCode}
          />
          <button type="submit" disabled={busy || !code}>
            {t("verify")}
          </button>
        </form>
      )}
      {!verified && challenge.widget}
      {!verified && (
        <button
          type="button"
          class={sent ? "link" : undefined}
          disabled={busy || !challenge.ready}
          onClick={send}
        >
          {sent ? t("sendAgain") : t("sendCode")}
        </button>
      )}
    </Card>
  );
}

/**
 * Name, notifications, password, data and deletion. `embedded`: the shop signs its customer in, so there is
 * no password here to change or to confirm a deletion with.
 */
export function AccountCard({
  user,
  embedded,
  onUserChanged,
  onDeleted,
}: {
  user: Schemas["User"];
  embedded: boolean;
  onUserChanged: (user: Schemas["User"]) => void;
  onDeleted: () => void;
}) {
  return (
    <Card title={t("accountTitle")}>
      <NameForm user={user} onUserChanged={onUserChanged} />
      <NotificationsSwitch user={user} onUserChanged={onUserChanged} />
      {!embedded && <PasswordForm />}
      <DownloadData />
      {!embedded && <DeleteAccount onDeleted={onDeleted} />}
    </Card>
  );
}

function NameForm({
  user,
  onUserChanged,
}: {
  user: Schemas["User"];
  onUserChanged: (user: Schemas["User"]) => void;
}) {
  const [name, setName] = useState(user.name);
  const { busy, outcome, errors, submit } = useSubmit();
  const save = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.PATCH("/v1/me", { body: { name } }),
      (updated) => {
        onUserChanged(updated);
        return t("nameSaved");
      },
    );
  };
  return (
    <form onSubmit={save} noValidate>
      <Field
        label={t("name")}
        autocomplete="name"
        required
        value={name}
        error={errors.name}
        onValue={setName}
      />
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <button type="submit" class="secondary" disabled={busy || !name.trim()}>
        {t("saveName")}
      </button>
    </form>
  );
}

/**
 * Notification SMS on or off (`PATCH /v1/me { notifications }`; codes come either way): a
 * switch that says its state. Also in a shop's frame: the preference is the person's own.
 */
function NotificationsSwitch({
  user,
  onUserChanged,
}: {
  user: Schemas["User"];
  onUserChanged: (user: Schemas["User"]) => void;
}) {
  const { busy, outcome, submit } = useSubmit();
  const hint = useId();
  const toggle = () =>
    submit(
      () => api.PATCH("/v1/me", { body: { notifications: !user.notifications } }),
      (updated) => {
        onUserChanged(updated);
        return updated.notifications ? t("notificationsOn") : t("notificationsOff");
      },
    );
  return (
    <div class="setting">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={user.notifications}
        aria-describedby={hint}
        disabled={busy}
        onClick={toggle}
      >
        <span class="switch-track" aria-hidden="true" />
        <span>{t("notificationsSwitch")}</span>
        <strong aria-hidden="true">{user.notifications ? t("switchOn") : t("switchOff")}</strong>
      </button>
      <p class="muted" id={hint}>
        {t("notificationsHint")}
      </p>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
    </div>
  );
}

function PasswordForm() {
  const blank = { currentPassword: "", newPassword: "" };
  const [form, setForm] = useState(blank);
  const { busy, outcome, errors, submit } = useSubmit();
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const change = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.POST("/v1/auth/password", { body: form }),
      () => {
        setForm(blank);
        return t("passwordChanged");
      },
    );
  };
  return (
    <form onSubmit={change} noValidate>
      <h3>{t("changePassword")}</h3>
      <Field
        label={t("currentPassword")}
        type="password"
        autocomplete="current-password"
        required
        value={form.currentPassword}
        error={errors.currentPassword}
        onValue={set("currentPassword")}
      />
      <NewPasswordField
        label={t("newPassword")}
        value={form.newPassword}
        error={errors.newPassword}
        onValue={set("newPassword")}
      />
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <button type="submit" class="secondary" disabled={busy}>
        {t("changePassword")}
      </button>
    </form>
  );
}

function DownloadData() {
  const { busy, outcome, submit } = useSubmit();
  const download = () =>
    submit(
      () => api.GET("/v1/me/export"),
      (data) => {
        const day = new Date().toISOString().slice(0, 10);
        downloadFile(`my-data-${day}.json`, JSON.stringify(data, null, 2), "application/json");
      },
    );
  return (
    <p>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <button type="button" class="secondary" disabled={busy} onClick={download}>
        {t("downloadData")}
      </button>
    </p>
  );
}

/** Asks first, with the password: nothing else confirms that the person at the screen is the owner. */
function DeleteAccount({ onDeleted }: { onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  const [password, setPassword] = useState("");
  const { busy, outcome, errors, submit } = useSubmit();
  if (!asking) {
    return (
      <button type="button" class="secondary" onClick={() => setAsking(true)}>
        {t("deleteAccount")}
      </button>
    );
  }
  const erase = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.DELETE("/v1/me", { body: { password } }),
      () => {
        clearSession();
        onDeleted();
      },
    );
  };
  return (
    <form class="confirm" onSubmit={erase} noValidate>
      <p>{t("deleteConfirm")}</p>
      <Field
        label={t("password")}
        type="password"
        autocomplete="current-password"
        required
        value={password}
        error={errors.password}
        onValue={setPassword}
      />
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <div class="row">
        <button type="submit" disabled={busy || !password}>
          {t("deleteAccountYes")}
        </button>
        <button type="button" class="secondary" onClick={() => setAsking(false)}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}
