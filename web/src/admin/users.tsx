import { useEffect, useState } from "preact/hooks";
import { api, errorText, fieldErrors, idempotencyKey } from "../shared/api";
import { t } from "../shared/messages";
import { Card, Field, Notice } from "../shared/ui";

type Outcome = { kind: "ok" | "error"; text: string } | null;

export function UsersPage({ userId: initial }: { userId: string }) {
  const [userId, setUserId] = useState(initial);
  useEffect(() => setUserId(initial), [initial]);
  const [adjustment, setAdjustment] = useState({ points: "", reason: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [adjusted, setAdjusted] = useState<Outcome>(null);
  const [role, setRole] = useState<"user" | "admin">("user");
  const [roleOutcome, setRoleOutcome] = useState<Outcome>(null);
  const path = { path: { id: userId.trim() } };

  const adjust = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.POST("/v1/admin/users/{id}/adjustments", {
      params: { ...path, header: { "idempotency-key": idempotencyKey() } },
      body: { points: Number(adjustment.points), reason: adjustment.reason },
    });
    setErrors(fieldErrors(error));
    setAdjusted(
      data
        ? { kind: "ok", text: t("adjusted", { balance: data.balance }) }
        : { kind: "error", text: errorText(error) },
    );
    if (data) setAdjustment({ points: "", reason: "" });
  };

  const changeRole = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.PATCH("/v1/admin/users/{id}", {
      params: path,
      body: { role },
    });
    setRoleOutcome(
      data
        ? { kind: "ok", text: t("roleChanged", { role: t(`role_${role}`) }) }
        : { kind: "error", text: errorText(error) },
    );
  };

  return (
    <>
      <h1>{t("usersTitle")}</h1>
      <p class="muted">{t("usersHint")}</p>
      <Field label={t("userId")} value={userId} onValue={setUserId} />
      <Card title={t("adjustTitle")}>
        <form onSubmit={adjust} noValidate>
          <div class="row">
            <Field
              label={t("adjustPoints")}
              type="number"
              value={adjustment.points}
              error={errors.points}
              onValue={(points) => setAdjustment({ ...adjustment, points })}
            />
            <Field
              label={t("adjustReason")}
              value={adjustment.reason}
              error={errors.reason}
              onValue={(reason) => setAdjustment({ ...adjustment, reason })}
            />
          </div>
          {adjusted && <Notice kind={adjusted.kind}>{adjusted.text}</Notice>}
          <button type="submit" disabled={!userId.trim()}>
            {t("adjust")}
          </button>
        </form>
      </Card>
      <Card title={t("roleTitle")}>
        <form onSubmit={changeRole} class="row">
          <div class="field">
            <label for="user-role">{t("role")}</label>
            <select
              id="user-role"
              value={role}
              onChange={(event) => setRole(event.currentTarget.value as typeof role)}
            >
              <option value="user">{t("role_user")}</option>
              <option value="admin">{t("role_admin")}</option>
            </select>
          </div>
          <button type="submit" disabled={!userId.trim()}>
            {t("changeRole")}
          </button>
        </form>
        {roleOutcome && <Notice kind={roleOutcome.kind}>{roleOutcome.text}</Notice>}
      </Card>
    </>
  );
}
