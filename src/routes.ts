import { registerAnalyticsRoutes } from "./analytics/routes";
import { registerApiKeyRoutes } from "./apikeys/routes";
import { newApp } from "./app";
import { registerAuditRoutes } from "./audit/routes";
import { registerAccountRoutes } from "./auth/account-routes";
import { registerAuthRoutes } from "./auth/routes";
import { registerCampaignRoutes } from "./campaigns/routes";
import { registerOrderCheckoutRoutes } from "./checkout/routes";
import { registerCouponRoutes } from "./coupons/routes";
import { registerDataAdminRoutes, registerDataRoutes } from "./data/routes";
import { registerEventRoutes } from "./events/routes";
import { registerBlocklistRoutes } from "./fraud/blocklist-routes";
import { registerInviteRoutes } from "./invites/routes";
import { registerLeaderboardRoutes } from "./leaderboard/routes";
import { registerLinkAdminRoutes } from "./links/admin-routes";
import { registerLinkRoutes } from "./links/routes";
import { registerMessageAdminRoutes } from "./messages/admin-routes";
import { registerMessageRoutes } from "./messages/routes";
import { registerOpsRoutes } from "./ops/routes";
import { meterUntilAnswered } from "./platform/metrics";
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

/**
 * The whole API, route by route: the Worker serves it, and `npm run openapi` reads its
 * OpenAPI document without a server. Kept apart from src/index.ts, which may export only
 * handlers.
 */
export function buildApp() {
  const app = newApp();
  // Before every route: webhooks of the events a request wrote are sent after its response.
  app.use(sendWebhooksAfterResponse);
  // Innermost: the D1 calls that middleware starts after the handler answered are not the request's.
  app.use(meterUntilAnswered);

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
  registerMessageRoutes(app);
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
  registerOrderCheckoutRoutes(app);
  // Administration
  registerProgramRoutes(app);
  registerCampaignRoutes(app);
  registerReferralAdminRoutes(app);
  registerBlocklistRoutes(app);
  registerRewardAdminRoutes(app);
  registerUserAdminRoutes(app);
  registerDataAdminRoutes(app);
  registerAnalyticsRoutes(app);
  registerWebhookRoutes(app);
  registerApiKeyRoutes(app);
  registerMessageAdminRoutes(app);
  registerLinkAdminRoutes(app);
  registerAuditRoutes(app);
  // The portal, the admin console and the API reference (static pages, clients of the API)
  registerWebRoutes(app);

  return app;
}
