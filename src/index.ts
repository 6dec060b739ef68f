import { registerAnalyticsRoutes } from "./analytics/routes";
import { newApp } from "./app";
import { registerAuthRoutes } from "./auth/routes";
import { registerCampaignRoutes } from "./campaigns/routes";
import { loadConfig } from "./config";
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
import { registerLinkRoutes } from "./links/routes";
import { registerOpsRoutes } from "./ops/routes";
import { registerProgramRoutes } from "./program/routes";
import { registerReferralAdminRoutes } from "./referrals/admin-routes";
import { registerReferralRoutes } from "./referrals/routes";
import { registerRewardAdminRoutes, registerRewardRoutes } from "./rewards/routes";
import { registerUserAdminRoutes } from "./users/routes";
import { registerWalletRoutes } from "./wallet/routes";

const app = newApp();

// Operations
registerOpsRoutes(app);
// Identity
registerAuthRoutes(app);
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
// Administration
registerProgramRoutes(app);
registerCampaignRoutes(app);
registerReferralAdminRoutes(app);
registerRewardAdminRoutes(app);
registerUserAdminRoutes(app);
registerDataAdminRoutes(app);
registerAnalyticsRoutes(app);

// Only handlers may be exported from here: workerd refuses any other named export.
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const config = loadConfig(env);
    const db = createDb(env.DB);
    const now = controller.scheduledTime;
    const job =
      controller.cron === HOURLY_CRON
        ? Promise.all([
            runHousekeeping(db, now),
            expirePoints(db, now),
            settleReferrals(db, now),
          ]).then(([purged, expired, settled]) =>
            console.log(
              "housekeeping",
              purged,
              "expired lots",
              expired,
              "settled referrals",
              settled,
            ),
          )
        : retryDueInvites({ db, config, sender: senderFromConfig(config) }, now).then((outcomes) =>
            console.log("invite retries", outcomes),
          );
    ctx.waitUntil(job);
  },
} satisfies ExportedHandler<Bindings>;
