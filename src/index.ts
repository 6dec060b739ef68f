import { newApp } from "./app";
import { registerAuthRoutes } from "./auth/routes";
import { createDb } from "./db/client";
import type { Bindings } from "./env";
import { runHousekeeping } from "./jobs/housekeeping";
import { registerOpsRoutes } from "./ops/routes";
import { registerReferralRoutes } from "./referrals/routes";
import { registerRewardRoutes } from "./rewards/routes";
import { registerWalletRoutes } from "./wallet/routes";

const app = newApp();

// Operations
registerOpsRoutes(app);
// Identity
registerAuthRoutes(app);
// Referrals
registerReferralRoutes(app);
// Wallet and rewards
registerWalletRoutes(app);
registerRewardRoutes(app);

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      runHousekeeping(createDb(env.DB)).then((purged) => console.log("housekeeping", purged)),
    );
  },
} satisfies ExportedHandler<Bindings>;
