import { registerUserAdminRoutes } from "./accounts/admin-routes";
import { registerAccountRoutes } from "./accounts/participant-routes";
import { registerUserServerRoutes } from "./accounts/server-routes";
import { registerAnalyticsRoutes } from "./analytics/admin-routes";
import { registerApiKeyRoutes } from "./apikeys/admin-routes";
import { newApp } from "./app";
import { registerAuditRoutes } from "./audit/admin-routes";
import { registerAuthRoutes } from "./auth/participant-routes";
import { registerCampaignRoutes } from "./campaigns/admin-routes";
import { registerOrderCheckoutRoutes } from "./checkout/server-routes";
import { registerCouponAdminRoutes } from "./coupons/admin-routes";
import { registerCouponServerRoutes } from "./coupons/server-routes";
import { registerDataAdminRoutes } from "./data/admin-routes";
import { registerDataRoutes } from "./data/participant-routes";
import { registerEventRoutes } from "./events/server-routes";
import { registerBlocklistRoutes } from "./fraud/admin-routes";
import { registerInviteRoutes } from "./invites/participant-routes";
import { registerLeaderboardRoutes } from "./leaderboard/participant-routes";
import { registerLinkAdminRoutes } from "./links/admin-routes";
import { registerLinkRoutes } from "./links/public-routes";
import { registerMessageAdminRoutes } from "./messages/admin-routes";
import { registerMessageRoutes } from "./messages/participant-routes";
import { registerOpsRoutes } from "./ops/public-routes";
import { meterUntilAnswered } from "./platform/metrics";
import { registerProgramRoutes } from "./program/admin-routes";
import { registerReferralAdminRoutes } from "./referrals/admin-routes";
import { registerReferralRoutes } from "./referrals/participant-routes";
import { registerRewardAdminRoutes } from "./rewards/admin-routes";
import { registerRewardRoutes } from "./rewards/participant-routes";
import { registerWalletRoutes } from "./wallet/participant-routes";
import { registerCheckoutRoutes } from "./wallet/server-routes";
import { registerWebRoutes } from "./web/public-routes";
import { registerWebhookRoutes } from "./webhooks/admin-routes";
import { sendWebhooksAfterResponse } from "./webhooks/after-response";

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
  registerCouponServerRoutes(app);
  // Registered here, after the server's coupon routes, to keep the document's order.
  registerCouponAdminRoutes(app);
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
