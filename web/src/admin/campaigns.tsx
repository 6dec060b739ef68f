import { useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import { Card, Field, formatDate, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

const blank = {
  name: "",
  startsAt: "",
  endsAt: "",
  goalReferrals: "3",
  windowDays: "7",
  bonusPoints: "500",
};

/** A datetime-local value (the admin's local time) as the API's ISO instant. */
const instant = (local: string) => (local ? new Date(local).toISOString() : local);

export function CampaignsPage() {
  const { data, reload } = useApi(() => api.GET("/v1/admin/campaigns"));
  const [form, setForm] = useState(blank);
  const { busy, outcome, errors, submit } = useSubmit();
  const set = (key: keyof typeof blank) => (value: string) => setForm({ ...form, [key]: value });

  const create = (event: Event) => {
    event.preventDefault();
    const body = {
      name: form.name,
      startsAt: instant(form.startsAt),
      endsAt: instant(form.endsAt),
      goalReferrals: Number(form.goalReferrals),
      windowDays: Number(form.windowDays),
      bonusPoints: Number(form.bonusPoints),
      active: true,
    } satisfies Schemas["CreateCampaignRequest"];
    submit(
      () => api.POST("/v1/admin/campaigns", { body }),
      (created) => {
        setForm(blank);
        reload();
        return created.name;
      },
    );
  };

  // A refused switch shows under the form, as before; the list is read again either way.
  const toggle = (campaign: Schemas["Campaign"]) =>
    submit(() =>
      api.PATCH("/v1/admin/campaigns/{id}", {
        params: { path: { id: campaign.id } },
        body: { active: !campaign.active },
      }),
    ).then(reload);

  return (
    <>
      <h1>{t("campaignsTitle")}</h1>
      <Card title={t("campaignsTitle")}>
        {data && data.data.length === 0 && <p class="muted">{t("none")}</p>}
        <ul class="plain">
          {data?.data.map((campaign) => (
            <li key={campaign.id}>
              <span>
                <strong>{campaign.name}</strong>
                <br />
                <span class="muted">
                  {formatDate(campaign.startsAt)} – {formatDate(campaign.endsAt)} ·{" "}
                  {campaign.goalReferrals} / {campaign.windowDays} d → +{campaign.bonusPoints}
                </span>
              </span>
              <button type="button" class="secondary" onClick={() => toggle(campaign)}>
                {campaign.active ? t("deactivate") : t("activate")}
              </button>
            </li>
          ))}
        </ul>
      </Card>
      <Card title={t("create")}>
        <form onSubmit={create} noValidate>
          <Field
            label={t("campaignName")}
            value={form.name}
            error={errors.name}
            onValue={set("name")}
          />
          <div class="row">
            <Field
              label={t("startsAt")}
              type="datetime-local"
              value={form.startsAt}
              error={errors.startsAt}
              onValue={set("startsAt")}
            />
            <Field
              label={t("endsAt")}
              type="datetime-local"
              value={form.endsAt}
              error={errors.endsAt}
              onValue={set("endsAt")}
            />
          </div>
          <div class="row">
            <Field
              label={t("goalReferrals")}
              type="number"
              value={form.goalReferrals}
              error={errors.goalReferrals}
              onValue={set("goalReferrals")}
            />
            <Field
              label={t("windowDays")}
              type="number"
              value={form.windowDays}
              error={errors.windowDays}
              onValue={set("windowDays")}
            />
            <Field
              label={t("bonusPoints")}
              type="number"
              value={form.bonusPoints}
              error={errors.bonusPoints}
              onValue={set("bonusPoints")}
            />
          </div>
          {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
          <button type="submit" disabled={busy}>
            {t("create")}
          </button>
        </form>
      </Card>
    </>
  );
}
