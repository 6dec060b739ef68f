import { registerAnalyticsRoutes } from "./analytics/routes";
import { registerApiKeyRoutes } from "./apikeys/routes";
import { newApp } from "./app";
import { registerAccountRoutes } from "./auth/account-routes";
import { registerAuthRoutes } from "./auth/routes";
import { registerCampaignRoutes } from "./campaigns/routes";
import { loadConfig } from "./config";
import { registerCouponRoutes } from "./coupons/routes";
import { registerDataAdminRoutes, registerDataRoutes } from "./data/routes";
import { createDb } from "./db/client";
import type { Bindings } from "./env";
import { registerEventRoutes } from "./events/routes";
import { registerInviteRoutes } from "./invites/routes";
import { senderFromConfig } from "./invites/senders";
import { retryDueInvites } from "./invites/service";
import { expirePoints } from "./jobs/expiry";
import { runHousekeeping } from "./jobs/housekeeping";
import { HOURLY_CRON } from "./jobs/schedule";
import { settleReferrals } from "./jobs/settlement";
import { registerLeaderboardRoutes } from "./leaderboard/routes";
import { consumeClicks } from "./links/consumer";
import { registerLinkRoutes } from "./links/routes";
import type { ClickMessage } from "./links/service";
import { registerOpsRoutes } from "./ops/routes";
import { registerProgramRoutes } from "./program/routes";
import { registerReferralAdminRoutes } from "./referrals/admin-routes";
import { registerReferralRoutes } from "./referrals/routes";
import { registerRewardAdminRoutes, registerRewardRoutes } from "./rewards/routes";
import { registerUserAdminRoutes } from "./users/routes";
import { registerUserServerRoutes } from "./users/server-routes";
import { registerCheckoutRoutes } from "./wallet/checkout-routes";
import { registerWalletRoutes } from "./wallet/routes";
import { registerWebRoutes } from "./web/routes";
import { registerWebhookRoutes, sendWebhooksAfterResponse } from "./webhooks/routes";
import { hourlyWebhookWork, retryDueWebhooks } from "./webhooks/service";

const app = newApp();
// Before every route: webhooks of the events a request wrote are sent after its response.
app.use(sendWebhooksAfterResponse);

// Operations
registerOpsRoutes(app);
// Identity
registerAuthRoutes(app);
registerAccountRoutes(app);
registerDataRoutes(app);
// Referrals and growth
registerLinkRoutes(app);
registerReferralRoutes(app);
registerInviteRoutes(app);
registerLeaderboardRoutes(app);
// Qualifying events (server to server)
registerEventRoutes(app);
// Wallet and rewards
registerWalletRoutes(app);
registerRewardRoutes(app);
// Integration with your back end (server to server)
registerCouponRoutes(app);
registerUserServerRoutes(app);
registerCheckoutRoutes(app);
// Administration
registerProgramRoutes(app);
registerCampaignRoutes(app);
registerReferralAdminRoutes(app);
registerRewardAdminRoutes(app);
registerUserAdminRoutes(app);
registerDataAdminRoutes(app);
registerAnalyticsRoutes(app);
registerWebhookRoutes(app);
registerApiKeyRoutes(app);
// The portal and the admin console (static pages, clients of the API above)
registerWebRoutes(app);

// Only handlers may be exported from here: workerd refuses any other named export.
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const config = loadConfig(env);
    const db = createDb(env.DB);
    const now = controller.scheduledTime;
    const job =
      controller.cron === HOURLY_CRON
        ? Promise.all([runHousekeeping(db, now), expirePoints(db, now), settleReferrals(db, now)])
            .then(([purged, expired, settled]) =>
              console.log(
                "housekeeping",
                purged,
                "expired lots",
                expired,
                "settled referrals",
                settled,
              ),
            )
            // Events of the expiry (points.expired) go out now rather than at the next retry pass.
            .then(() => hourlyWebhookWork({ db }, now))
            .then((webhooks) => console.log("webhooks", webhooks))
        : Promise.all([
            retryDueInvites({ db, config, sender: senderFromConfig(config) }, now),
            retryDueWebhooks({ db }, now),
          ]).then(([invites, webhooks]) =>
            console.log("invite retries", invites, "webhook retries", webhooks),
          );
    ctx.waitUntil(job);
  },
  // The CLICKS queue (wrangler.toml): invite-link clicks, stored in batches.
  async queue(batch, env) {
    await consumeClicks(createDb(env.DB), batch);
  },
} satisfies ExportedHandler<Bindings, ClickMessage>;
