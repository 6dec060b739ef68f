import { useState } from "preact/hooks";
import { api, type Schemas } from "../shared/api";
import { formatPercent, intlTag, t } from "../shared/messages";
import { Card, Field, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";

type Discount = Schemas["Reward"]["discount"];
type DiscountType = "none" | "percent" | "amount" | "product";

/** A discount as the form edits it: every field as typed, whatever the type. */
interface DiscountDraft {
  type: DiscountType;
  percent: string;
  amount: string;
  currency: string;
  sku: string;
}

const noDiscount: DiscountDraft = { type: "none", percent: "", amount: "", currency: "", sku: "" };

function draftOf(discount: Discount): DiscountDraft {
  if (!discount) return noDiscount;
  if (discount.type === "percent")
    return { ...noDiscount, type: "percent", percent: String(discount.percent) };
  if (discount.type === "amount") {
    return {
      ...noDiscount,
      type: "amount",
      amount: String(discount.amount),
      currency: discount.currency,
    };
  }
  return { ...noDiscount, type: "product", sku: discount.sku };
}

/** The draft as the API takes it; the API checks it (percent range, ISO 4217, the SKU). */
function discountOf(draft: DiscountDraft): Discount {
  if (draft.type === "percent") return { type: "percent", percent: Number(draft.percent) };
  if (draft.type === "amount") {
    return { type: "amount", amount: Number(draft.amount), currency: draft.currency.trim() };
  }
  if (draft.type === "product") return { type: "product", sku: draft.sku };
  return null;
}

/** "10% off", "Rs 500 off", "Product free-product", in the page's language. */
function discountText(discount: Discount): string | null {
  if (!discount) return null;
  if (discount.type === "percent") {
    return t("discountShownPercent", { percent: formatPercent(discount.percent / 100) });
  }
  if (discount.type === "amount") {
    const amount = new Intl.NumberFormat(intlTag(), {
      style: "currency",
      currency: discount.currency,
    }).format(discount.amount);
    return t("discountShownAmount", { amount });
  }
  return t("discountShownProduct", { sku: discount.sku });
}

/** The discount's fields, for the new reward's form and for changing one in the list. */
function DiscountFields(props: {
  draft: DiscountDraft;
  errors: Record<string, string>;
  onDraft: (draft: DiscountDraft) => void;
  idPrefix: string;
}) {
  const { draft, errors, onDraft, idPrefix } = props;
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-discount-type`}>{t("discountType")}</label>
        <select
          id={`${idPrefix}-discount-type`}
          value={draft.type}
          onChange={(event) =>
            onDraft({ ...draft, type: event.currentTarget.value as DiscountType })
          }
        >
          {(["none", "percent", "amount", "product"] as const).map((type) => (
            <option key={type} value={type}>
              {t(`discount_${type}`)}
            </option>
          ))}
        </select>
        {errors.discount && <p class="field-error">{errors.discount}</p>}
      </div>
      {draft.type === "percent" && (
        <Field
          label={t("discountPercent")}
          type="number"
          value={draft.percent}
          error={errors["discount.percent"]}
          onValue={(percent) => onDraft({ ...draft, percent })}
        />
      )}
      {draft.type === "amount" && (
        <div class="row">
          <Field
            label={t("discountAmount")}
            type="number"
            value={draft.amount}
            error={errors["discount.amount"]}
            onValue={(amount) => onDraft({ ...draft, amount })}
          />
          <Field
            label={t("discountCurrency")}
            value={draft.currency}
            error={errors["discount.currency"]}
            onValue={(currency) => onDraft({ ...draft, currency: currency.toUpperCase() })}
          />
        </div>
      )}
      {draft.type === "product" && (
        <Field
          label={t("discountSku")}
          value={draft.sku}
          error={errors["discount.sku"]}
          onValue={(sku) => onDraft({ ...draft, sku })}
        />
      )}
    </>
  );
}

/** One reward of the list: its words, what it is worth (changeable), (de)activation. */
function RewardItem(props: { reward: Schemas["AdminReward"]; reload: () => void }) {
  const { reward, reload } = props;
  const [draft, setDraft] = useState<DiscountDraft | null>(null);
  const { busy, outcome, errors, submit } = useSubmit();

  const patch = (body: Schemas["UpdateRewardRequest"]) =>
    submit(
      () => api.PATCH("/v1/admin/rewards/{id}", { params: { path: { id: reward.id } }, body }),
      () => {
        setDraft(null);
        reload();
      },
    );

  const worth = discountText(reward.discount);
  return (
    <li>
      <span>
        <strong>{reward.name}</strong> <span class="badge">{t(`kind_${reward.kind}`)}</span>
        <br />
        <span class="muted">
          {reward.description} · {t("points", { count: reward.cost })}
          {worth && ` · ${worth}`}
        </span>
        {draft && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              patch({ discount: discountOf(draft) });
            }}
            noValidate
          >
            <DiscountFields draft={draft} errors={errors} onDraft={setDraft} idPrefix={reward.id} />
            {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
            <button type="submit" disabled={busy}>
              {t("save")}
            </button>{" "}
            <button type="button" class="secondary" onClick={() => setDraft(null)}>
              {t("cancel")}
            </button>
          </form>
        )}
      </span>
      <span>
        {reward.kind === "coupon" && !draft && (
          <button
            type="button"
            class="secondary"
            onClick={() => setDraft(draftOf(reward.discount))}
          >
            {t("changeDiscount")}
          </button>
        )}{" "}
        <button type="button" class="secondary" onClick={() => patch({ active: !reward.active })}>
          {reward.active ? t("deactivate") : t("activate")}
        </button>
      </span>
    </li>
  );
}

const blank = { name: "", description: "", cost: "100", kind: "coupon" as "coupon" | "unlock" };

export function CatalogPage() {
  const { data, reload } = useApi(() => api.GET("/v1/admin/rewards"));
  const [form, setForm] = useState(blank);
  const [discount, setDiscount] = useState<DiscountDraft>(noDiscount);
  const { busy, outcome, errors, submit } = useSubmit();

  const create = (event: Event) => {
    event.preventDefault();
    const body = {
      ...form,
      cost: Number(form.cost),
      active: true,
      ...(form.kind === "coupon" ? { discount: discountOf(discount) } : {}),
    } satisfies Schemas["CreateRewardRequest"];
    submit(
      () => api.POST("/v1/admin/rewards", { body }),
      (created) => {
        setForm(blank);
        setDiscount(noDiscount);
        reload();
        return created.name;
      },
    );
  };

  return (
    <>
      <h1>{t("catalogTitle")}</h1>
      <Card title={t("catalogTitle")}>
        <ul class="plain">
          {data?.data.map((reward) => (
            <RewardItem key={reward.id} reward={reward} reload={reload} />
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
          {form.kind === "coupon" && (
            <DiscountFields draft={discount} errors={errors} onDraft={setDiscount} idPrefix="new" />
          )}
          {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
          <button type="submit" disabled={busy}>
            {t("create")}
          </button>
        </form>
      </Card>
    </>
  );
}
