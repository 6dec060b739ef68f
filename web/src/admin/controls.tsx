/** Pieces the admin pages share: confirmations, secrets shown once, complete option lists. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../shared/messages";
import { CopyButton } from "../shared/ui";

/**
 * The values of a union type from the API, which the compiler checks are all listed: a
 * value the API adds fails the type check until it is listed here too.
 *
 * @example const scopes = allValues<Scope>()(["events", "coupons"] as const)
 */
export function allValues<T extends string>() {
  return <const L extends readonly T[]>(
    list: L &
      ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L => list;
}

/**
 * A button for what cannot be undone: the first click asks, a second explicit button does it
 * (no `window.confirm`, which a framed page or a test cannot always answer).
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="secondary" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div class="confirm">
      <p>{props.question}</p>
      <div class="row">
        <button
          type="button"
          onClick={async () => {
            setAsking(false);
            await props.onConfirm();
          }}
        >
          {props.confirmLabel}
        </button>
        <button type="button" class="secondary" onClick={() => setAsking(false)}>
          {t("cancel")}
        </button>
      </div>
    </div>
  );
}

/** A secret the API shows once: with a copy button, until the admin says they have it. */
export function SecretOnce(props: {
  title: string;
  secret: string;
  copyLabel: string;
  onDone: () => void;
  children?: ComponentChildren;
}) {
  // Where the admin's attention (and a screen reader) goes: the page may be scrolled away.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.secret]);
  return (
    <section class="card secret" aria-label={props.title}>
      <h2 ref={heading} tabIndex={-1}>
        {props.title}
      </h2>
      <p>{t("secretOnce")}</p>
      <p class="link-box" data-testid="secret">
        {props.secret}
      </p>
      {props.children}
      <div class="row">
        <CopyButton text={props.secret} label={props.copyLabel} />
        <button type="button" onClick={props.onDone}>
          {t("secretSaved")}
        </button>
      </div>
    </section>
  );
}
