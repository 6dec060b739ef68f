import { useState } from "preact/hooks";
import { api, idempotencyKey, logOut, type Schemas } from "../shared/api";
import { type MessageKey, t, term } from "../shared/messages";
import { Card, CopyButton, formatDate, formatNumber, Notice, useApi } from "../shared/ui";
import { useSubmit } from "../shared/use-submit";
import { AccountCard, VerifyPhoneCard } from "./account";
import { InviteCard, ShareCard } from "./share";

function PointsCard({ wallet }: { wallet: Schemas["Wallet"] | null }) {
  if (!wallet) return <Card title={t("pointsTitle")}>{t("loading")}</Card>;
  const soonest = wallet.expiring[0];
  return (
    <Card title={t("pointsTitle")}>
      <div class="stats">
        <div class="stat">
          <span class="muted">{t("balance")}</span>
          <strong data-testid="balance">{formatNumber(wallet.balance)}</strong>
        </div>
        <div class="stat">
          <span class="muted">{t("pending")}</span>
          <strong>{formatNumber(wallet.pending)}</strong>
        </div>
      </div>
      {soonest && (
        <p class="muted">
          {t("expiring", { count: soonest.points, date: formatDate(soonest.expiresAt) })}
        </p>
      )}
    </Card>
  );
}

function ProgressCard({ stats }: { stats: Schemas["ReferrerStats"] | null }) {
  if (!stats) return null;
  const count = stats.qualified;
  const milestone = stats.nextMilestone;
  const percent = milestone ? Math.min(100, Math.round((count / milestone.referrals) * 100)) : 100;
  return (
    <Card title={t("progressTitle")}>
      <p>
        <span class="badge">{t("tier", { tier: stats.tier.current })}</span>{" "}
        {stats.tier.nextAt === null ? t("topTier") : t("nextTierAt", { count: stats.tier.nextAt })}
      </p>
      {milestone && (
        <>
          <p>
            {t("nextMilestone", {
              count: Math.max(0, milestone.referrals - count),
              reward: term("term", milestone.reward),
            })}
          </p>
          <div
            class="progress"
            role="progressbar"
            aria-label={t("referralsCount", { count })}
            aria-valuemin={0}
            aria-valuemax={milestone.referrals}
            aria-valuenow={count}
          >
            <Bar percent={percent} />
          </div>
        </>
      )}
      <p>{stats.badge ? t("badge", { badge: term("term", stats.badge) }) : t("noBadge")}</p>
    </Card>
  );
}

/** The bar's width is set through the CSSOM (allowed by the CSP), not an inline style attribute. */
function Bar({ percent }: { percent: number }) {
  return <div ref={(element) => element?.style.setProperty("width", `${percent}%`)} />;
}

function ReferralsCard() {
  const { data } = useApi(() => api.GET("/v1/me/referrals", { params: { query: { limit: 50 } } }));
  return (
    <Card title={t("referralsTitle")}>
      {data && <p class="muted">{t("referralsSummary", data.summary)}</p>}
      {data && data.data.length === 0 && <p class="muted">{t("none")}</p>}
      <ul class="plain">
        {data?.data.map((referral) => (
          <li key={referral.id}>
            <span>{referral.name}</span>
            <span class="badge">{t(`status_${referral.status}` as MessageKey)}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function RewardsCard({ onRedeemed }: { onRedeemed: () => void }) {
  const { data } = useApi(() => api.GET("/v1/rewards"));
  const { busy, outcome, submit } = useSubmit();
  // The last redemption, shown with its coupon code until the next click.
  const [redeemed, setRedeemed] = useState<Schemas["Redemption"] | null>(null);
  const redeem = (reward: Schemas["Reward"]) =>
    submit(
      () => {
        setRedeemed(null);
        return api.POST("/v1/me/redemptions", {
          body: { rewardId: reward.id },
          params: { header: { "idempotency-key": idempotencyKey() } },
        });
      },
      (result) => {
        setRedeemed(result.redemption);
        onRedeemed();
      },
    );
  return (
    <Card title={t("rewardsTitle")}>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      {redeemed && (
        <Notice kind="ok">
          {t("redeemed", { name: redeemed.rewardName })}
          {redeemed.couponCode && (
            <>
              <br />
              {t("couponCode")}: <span class="coupon">{redeemed.couponCode}</span>{" "}
              <CopyButton text={redeemed.couponCode} label={t("copyCode")} />
            </>
          )}
        </Notice>
      )}
      <ul class="plain">
        {data?.data.map((reward) => (
          <li key={reward.id}>
            <span>
              <strong>{reward.name}</strong>
              <br />
              <span class="muted">{t("points", { count: reward.cost })}</span>
            </span>
            <button
              type="button"
              disabled={busy}
              aria-label={t("redeemOf", { name: reward.name })}
              onClick={() => redeem(reward)}
            >
              {t("redeem")}
            </button>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function UnlocksCard({ round }: { round: number }) {
  const { data } = useApi(() => api.GET("/v1/me/unlocks"), [round]);
  return (
    <Card title={t("unlocksTitle")}>
      {data && data.data.length === 0 && <p class="muted">{t("none")}</p>}
      <ul class="plain">
        {data?.data.map((unlock) => (
          <li key={unlock.unlock}>
            <span>{term("term", unlock.unlock)}</span>
            <span class="muted">{formatDate(unlock.grantedAt)}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

const periods = ["week", "month", "all"] as const;

function LeaderboardCard() {
  const [period, setPeriod] = useState<(typeof periods)[number]>("week");
  const { data } = useApi(
    () => api.GET("/v1/leaderboard", { params: { query: { period, limit: 10 } } }),
    [period],
  );
  return (
    <Card title={t("leaderboardTitle")}>
      <fieldset class="row choice">
        <legend class="sr-live">{t("leaderboardTitle")}</legend>
        {periods.map((option) => (
          <button
            key={option}
            type="button"
            class="secondary"
            aria-pressed={period === option}
            onClick={() => setPeriod(option)}
          >
            {t(`period_${option}`)}
          </button>
        ))}
      </fieldset>
      {data?.me && <p>{t("leaderboardMe", { rank: data.me.rank, count: data.me.referrals })}</p>}
      <ol class="plain">
        {data?.data.map((row) => (
          <li key={row.rank}>
            <span>
              #{formatNumber(row.rank)} {row.name}
            </span>
            <span>{t("referralsCount", { count: row.referrals })}</span>
          </li>
        ))}
      </ol>
      {data && data.data.length === 0 && <p class="muted">{t("none")}</p>}
    </Card>
  );
}

/**
 * `embedded`: inside a shop's frame, whose page signs its customer in and out: no log-out, no
 * password screens, no deletion (it needs the password).
 */
export function Dashboard({
  user,
  embedded,
  onSignedOut,
  onUserChanged,
  onDeleted,
}: {
  user: Schemas["User"];
  embedded: boolean;
  onSignedOut: () => void;
  onUserChanged: (user: Schemas["User"]) => void;
  onDeleted: () => void;
}) {
  const [round, setRound] = useState(0);
  const wallet = useApi(() => api.GET("/v1/me/wallet"), [round]);
  const stats = useApi(() => api.GET("/v1/me/stats"));
  return (
    <>
      <div class="row spread">
        <h1>{t("hello", { name: user.name })}</h1>
        {!embedded && (
          <button type="button" class="link" onClick={() => logOut().then(onSignedOut)}>
            {t("logOut")}
          </button>
        )}
      </div>
      <VerifyPhoneCard user={user} onVerified={onUserChanged} />
      <PointsCard wallet={wallet.data} />
      <ShareCard user={user} />
      <ProgressCard stats={stats.data} />
      <RewardsCard onRedeemed={() => setRound((n) => n + 1)} />
      <UnlocksCard round={round} />
      <ReferralsCard />
      <InviteCard />
      <LeaderboardCard />
      <AccountCard
        user={user}
        embedded={embedded}
        onUserChanged={onUserChanged}
        onDeleted={onDeleted}
      />
    </>
  );
}
