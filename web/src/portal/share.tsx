import { generate } from "lean-qr";
import { toSvgPath } from "lean-qr/extras/svg";
import { useMemo, useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import { Card, CopyButton, Field, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

/** The link with the channel it was shared on, so clicks are counted by source. */
export function linkFor(link: string, source: string): string {
  const url = new URL(link);
  url.searchParams.set("src", source);
  return url.toString();
}

/**
 * Where each share button goes: the program's share text (`GET /v1/me/share`: `share_text` as
 * admins worded it, in the user's language) with the link marked with its channel. Until it
 * has come, the link alone. Every value is URL-encoded, so a text can't break out.
 */
export function shareTargets(share: { text: string; link: string }) {
  const text = (source: string) => share.text.split(share.link).join(linkFor(share.link, source));
  const enc = encodeURIComponent;
  return {
    whatsapp: `https://wa.me/?text=${enc(text("whatsapp"))}`,
    sms: `sms:?&body=${enc(text("sms"))}`,
    email: `mailto:?subject=${enc(t("shareSubject"))}&body=${enc(text("email"))}`,
    x: `https://x.com/intent/post?text=${enc(text("twitter"))}`,
    native: text("share"),
  };
}

function Qr({ text }: { text: string }) {
  const path = useMemo(() => {
    const code = generate(text);
    return { d: toSvgPath(code), size: code.size };
  }, [text]);
  return (
    <svg
      class="qr"
      viewBox={`-2 -2 ${path.size + 4} ${path.size + 4}`}
      role="img"
      aria-label={t("qrAlt")}
    >
      <title>{t("qrAlt")}</title>
      <path d={path.d} fill="#000" />
    </svg>
  );
}

/** `user`: the text follows their language, so it is read again when they change it. */
export function ShareCard({ user }: { user: Schemas["User"] }) {
  const link = user.referralLink;
  const share = useApi(() => api.GET("/v1/me/share"), [user.locale]);
  const targets = shareTargets(share.data ?? { text: link, link });
  const canShare = typeof navigator.share === "function";
  const external = { target: "_blank", rel: "noopener noreferrer" };
  return (
    <Card title={t("shareTitle")}>
      <p class="muted">{t("myLink")}</p>
      <p class="link-box">{link}</p>
      <div class="share">
        <CopyButton text={linkFor(link, "copy")} label={t("copyLink")} />
        <a class="button secondary" href={targets.whatsapp} {...external}>
          {t("whatsapp")}
        </a>
        <a class="button secondary" href={targets.sms}>
          {t("sms")}
        </a>
        <a class="button secondary" href={targets.email}>
          {t("email")}
        </a>
        <a class="button secondary" href={targets.x} {...external}>
          {t("x")}
        </a>
        {canShare && (
          <button
            type="button"
            class="secondary"
            onClick={() => navigator.share({ text: targets.native }).catch(() => undefined)}
          >
            {t("shareNative")}
          </button>
        )}
      </div>
      <Qr text={linkFor(link, "qr")} />
    </Card>
  );
}

export function InviteCard() {
  const [channel, setChannel] = useState<"sms" | "email">("sms");
  const [to, setTo] = useState("");
  const { busy, outcome, errors, submit } = useSubmit();
  const send = (event: Event) => {
    event.preventDefault();
    submit(
      () => api.POST("/v1/me/invites", { body: { channel, to } }),
      (data) => {
        setTo("");
        return t("inviteSent", { to: data.invite.to });
      },
    );
  };
  return (
    <Card title={t("inviteTitle")}>
      <form onSubmit={send}>
        <fieldset class="row choice">
          <legend class="muted">{t("inviteChannel")}</legend>
          {(["sms", "email"] as const).map((option) => (
            <label key={option}>
              <input
                type="radio"
                name="channel"
                value={option}
                checked={channel === option}
                onChange={() => setChannel(option)}
              />{" "}
              {t(option)}
            </label>
          ))}
        </fieldset>
        <Field
          label={t("inviteTo")}
          type={channel === "sms" ? "tel" : "email"}
          required
          value={to}
          error={errors.to}
          onValue={setTo}
        />
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy || !to}>
          {t("inviteSend")}
        </button>
      </form>
    </Card>
  );
}
