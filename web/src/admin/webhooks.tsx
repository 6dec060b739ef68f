import { useState } from "preact/hooks";
import { api, errorText, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import { Card, Field, formatDateTime, LoadMore, Notice, Table, usePages } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { allValues, ConfirmButton, SecretOnce } from "./controls";

type Webhook = Schemas["Webhook"];
type EventType = Schemas["CreateWebhookRequest"]["events"][number];

/** Every event type the API accepts ("*" apart: it is the "All events" box). */
const EVENT_TYPES = allValues<Exclude<EventType, "*">>()([
  "user.created",
  "referral.created",
  "referral.qualified",
  "referral.held",
  "referral.rejected",
  "referral.reversed",
  "reward.redeemed",
  "coupon.used",
  "coupon.voided",
  "coupon.released",
  "unlock.granted",
  "campaign.completed",
  "points.expired",
  "webhook.test",
] as const);

function AddEndpoint({ onCreated }: { onCreated: (created: Schemas["WebhookCreated"]) => void }) {
  const blank = { url: "", description: "", events: [] as EventType[] };
  const [form, setForm] = useState(blank);
  const { busy, outcome, errors, submit } = useSubmit();
  const toggle = (event: EventType, on: boolean) =>
    setForm({
      ...form,
      events: on ? [...form.events, event] : form.events.filter((chosen) => chosen !== event),
    });
  const add = (event: Event) => {
    event.preventDefault();
    const { url, description, events } = form;
    const body = { url, events, ...(description.trim() ? { description } : {}) };
    submit(
      () => api.POST("/v1/admin/webhooks", { body }),
      (created) => {
        setForm(blank);
        onCreated(created);
      },
    );
  };
  return (
    <Card title={t("addEndpoint")}>
      <form onSubmit={add} noValidate>
        <Field
          label={t("endpointUrl")}
          type="text"
          value={form.url}
          error={errors.url}
          onValue={(url) => setForm({ ...form, url })}
        />
        <Field
          label={t("description")}
          value={form.description}
          error={errors.description}
          onValue={(description) => setForm({ ...form, description })}
        />
        <fieldset
          class="choice checks"
          aria-describedby={errors.events ? "events-error" : undefined}
        >
          <legend>{t("events")}</legend>
          {(["*", ...EVENT_TYPES] as const).map((event) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={form.events.includes(event)}
                onChange={(change) => toggle(event, change.currentTarget.checked)}
              />{" "}
              {event === "*" ? t("allEvents") : event}
            </label>
          ))}
          {errors.events && (
            <p class="field-error" id="events-error">
              {errors.events}
            </p>
          )}
        </fieldset>
        {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
        <button type="submit" disabled={busy}>
          {t("addEndpoint")}
        </button>
      </form>
    </Card>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const [round, setRound] = useState(0);
  const pages = usePages(
    (cursor) =>
      api.GET("/v1/admin/webhooks/{id}/deliveries", {
        params: { path: { id: webhook.id }, query: { cursor, limit: 20 } },
      }),
    [round],
  );
  const { outcome, submit } = useSubmit();
  const retry = (delivery: Schemas["WebhookDelivery"]) =>
    submit(
      () =>
        api.POST("/v1/admin/webhooks/{id}/deliveries/{deliveryId}/retry", {
          params: { path: { id: webhook.id, deliveryId: delivery.id } },
        }),
      () => t("retryQueued"),
    ).then(() => setRound((n) => n + 1));
  return (
    <section aria-label={t("deliveriesOf", { url: webhook.url })}>
      <div class="row spread">
        <h3>{t("deliveries")}</h3>
        <button type="button" class="link" onClick={() => setRound((n) => n + 1)}>
          {t("refresh")}
        </button>
      </div>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <Table
        headings={[
          t("event"),
          t("deliveryStatus"),
          t("attempts"),
          t("lastResponse"),
          t("created"),
          t("retry"),
        ]}
        rows={pages.rows}
        loading={pages.loading}
        error={pages.error}
        row={(delivery) => (
          <tr key={delivery.id}>
            <td>{delivery.eventType}</td>
            <td>{t(`delivery_${delivery.status}`)}</td>
            <td>{delivery.attempts}</td>
            <td>{delivery.lastStatusCode ?? delivery.lastError ?? ""}</td>
            <td>{formatDateTime(delivery.createdAt)}</td>
            <td>
              {delivery.status === "failed" && (
                <button type="button" class="secondary" onClick={() => retry(delivery)}>
                  {t("retryDelivery")}
                </button>
              )}
            </td>
          </tr>
        )}
      />
      <LoadMore pages={pages} />
    </section>
  );
}

function EndpointItem(props: {
  webhook: Webhook;
  onChanged: () => void;
  onSecret: (secret: { url: string; secret: string }) => void;
}) {
  const { webhook, onChanged } = props;
  const [showDeliveries, setShowDeliveries] = useState(false);
  // One action at a time per endpoint; its error is shown at the endpoint.
  const { outcome, submit } = useSubmit();
  const path = { path: { id: webhook.id } };
  const sendTest = () =>
    submit(
      () => api.POST("/v1/admin/webhooks/{id}/test", { params: path }),
      () => {
        onChanged();
        return t("testQueued");
      },
    );
  const setActive = (active: boolean) =>
    submit(
      () => api.PATCH("/v1/admin/webhooks/{id}", { params: path, body: { active } }),
      onChanged,
    );
  const remove = () =>
    submit(() => api.DELETE("/v1/admin/webhooks/{id}", { params: path }), onChanged);
  const rotate = () =>
    submit(
      () => api.POST("/v1/admin/webhooks/{id}/rotate-secret", { params: path }),
      (rotated) => props.onSecret({ url: webhook.url, secret: rotated.secret }),
    );
  return (
    <li class="endpoint">
      <div>
        <strong>{webhook.url}</strong>{" "}
        <span class="badge">{webhook.active ? t("active") : t("inactive")}</span>
        <br />
        <span class="muted">
          {webhook.events.map((event) => (event === "*" ? t("allEvents") : event)).join(", ")}
          {webhook.description ? ` · ${webhook.description}` : ""}
          {" · "}
          {t("failures", { count: webhook.consecutiveFailures })}
        </span>
      </div>
      <div class="row">
        <button type="button" class="secondary" onClick={sendTest}>
          {t("sendTest")}
        </button>
        <button
          type="button"
          class="secondary"
          aria-expanded={showDeliveries}
          onClick={() => setShowDeliveries(!showDeliveries)}
        >
          {t("deliveries")}
        </button>
        <button type="button" class="secondary" onClick={() => setActive(!webhook.active)}>
          {webhook.active ? t("deactivate") : t("activate")}
        </button>
        <ConfirmButton
          label={t("rotateSecret")}
          question={t("rotateConfirm")}
          confirmLabel={t("rotateYes")}
          onConfirm={rotate}
        />
        <ConfirmButton
          label={t("deleteEndpoint")}
          question={t("deleteEndpointConfirm", { url: webhook.url })}
          confirmLabel={t("deleteYes")}
          onConfirm={remove}
        />
      </div>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      {showDeliveries && <Deliveries webhook={webhook} />}
    </li>
  );
}

export function WebhooksPage() {
  const pages = usePages((cursor) =>
    api.GET("/v1/admin/webhooks", { params: { query: { cursor, limit: 50 } } }),
  );
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <>
      <h1>{t("webhooksTitle")}</h1>
      {secret && (
        <SecretOnce
          title={t("signingSecretFor", { url: secret.url })}
          secret={secret.secret}
          copyLabel={t("copySecret")}
          onDone={() => setSecret(null)}
        />
      )}
      <Card title={t("endpoints")}>
        {pages.error ? <Notice kind="error">{errorText(pages.error)}</Notice> : null}
        {!pages.loading && pages.rows.length === 0 && <p class="muted">{t("none")}</p>}
        <ul class="plain">
          {pages.rows.map((webhook) => (
            <EndpointItem
              key={webhook.id}
              webhook={webhook}
              onChanged={pages.reload}
              onSecret={setSecret}
            />
          ))}
        </ul>
        <LoadMore pages={pages} />
      </Card>
      <AddEndpoint
        onCreated={(created) => {
          setSecret({ url: created.webhook.url, secret: created.secret });
          pages.reload();
        }}
      />
    </>
  );
}
