import { useState } from "preact/hooks";
import { api, errorText, fieldErrors, type Schemas } from "../shared/api";
import { t } from "../shared/messages";
import { Card, Field, Notice, useApi } from "../shared/ui";

const blank = { name: "", description: "", cost: "100", kind: "coupon" as "coupon" | "unlock" };

export function CatalogPage() {
  const { data, reload } = useApi(() => api.GET("/v1/admin/rewards"));
  const [form, setForm] = useState(blank);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    const body = {
      ...form,
      cost: Number(form.cost),
      active: true,
    } satisfies Schemas["CreateRewardRequest"];
    const { data: created, error } = await api.POST("/v1/admin/rewards", { body });
    setErrors(fieldErrors(error));
    setOutcome(
      created ? { kind: "ok", text: created.name } : { kind: "error", text: errorText(error) },
    );
    if (created) {
      setForm(blank);
      reload();
    }
  };

  const toggle = async (reward: Schemas["AdminReward"]) => {
    const { error } = await api.PATCH("/v1/admin/rewards/{id}", {
      params: { path: { id: reward.id } },
      body: { active: !reward.active },
    });
    if (error) setOutcome({ kind: "error", text: errorText(error) });
    reload();
  };

  return (
    <>
      <h1>{t("catalogTitle")}</h1>
      <Card title={t("catalogTitle")}>
        <ul class="plain">
          {data?.data.map((reward) => (
            <li key={reward.id}>
              <span>
                <strong>{reward.name}</strong> <span class="badge">{t(`kind_${reward.kind}`)}</span>
                <br />
                <span class="muted">
                  {reward.description} · {t("points", { count: reward.cost })}
                </span>
              </span>
              <button type="button" class="secondary" onClick={() => toggle(reward)}>
                {reward.active ? t("deactivate") : t("activate")}
              </button>
            </li>
          ))}
        </ul>
      </Card>
      <Card title={t("create")}>
        <form onSubmit={create} noValidate>
          <Field
            label={t("rewardName")}
            value={form.name}
            error={errors.name}
            onValue={(name) => setForm({ ...form, name })}
          />
          <Field
            label={t("description")}
            value={form.description}
            error={errors.description}
            onValue={(description) => setForm({ ...form, description })}
          />
          <div class="row">
            <Field
              label={t("cost")}
              type="number"
              value={form.cost}
              error={errors.cost}
              onValue={(cost) => setForm({ ...form, cost })}
            />
            <div class="field">
              <label for="reward-kind">{t("kind")}</label>
              <select
                id="reward-kind"
                value={form.kind}
                onChange={(event) =>
                  setForm({ ...form, kind: event.currentTarget.value as typeof form.kind })
                }
              >
                <option value="coupon">{t("kind_coupon")}</option>
                <option value="unlock">{t("kind_unlock")}</option>
              </select>
            </div>
          </div>
          {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
          <button type="submit">{t("create")}</button>
        </form>
      </Card>
    </>
  );
}
