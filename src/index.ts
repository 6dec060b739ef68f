import { loadConfig } from "./config";
import { createDb } from "./db/client";
import type { Bindings } from "./env";
import { senderFromConfig } from "./invites/senders";
import { retryDueInvites } from "./invites/service";
import { expirePoints } from "./jobs/expiry";
import { queueExpiryNotices } from "./jobs/expiry-notices";
import { runHousekeeping } from "./jobs/housekeeping";
import { HOURLY_CRON } from "./jobs/schedule";
import { settleReferrals } from "./jobs/settlement";
import { consumeClicks } from "./links/consumer";
import type { ClickMessage } from "./links/service";
import { newOutbox } from "./platform/outbox";
import { logJob } from "./platform/request-log";
import { buildApp } from "./routes";
import { hourlyWebhookWork, retryDueWebhooks } from "./webhooks/service";

const app = buildApp();

// Only handlers may be exported from here: workerd refuses any other named export.
export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const config = loadConfig(env);
    const db = createDb(env.DB);
    const now = controller.scheduledTime;
    // The events this run writes (points.expired), sent at its end.
    const outbox = newOutbox();
    const job =
      controller.cron === HOURLY_CRON
        ? Promise.all([
            runHousekeeping(db, now),
            expirePoints({ db, outbox }, now),
            settleReferrals(db, now),
            queueExpiryNotices(db, now),
          ])
            .then(async ([purged, expiryEntries, settledReferrals, expiryNotices]) => {
              // Events of the expiry (points.expired) go out now rather than at the next retry pass.
              const webhooks = await hourlyWebhookWork({ db, outbox }, now);
              return { purged, expiryEntries, settledReferrals, expiryNotices, webhooks };
            })
            .then((outcome) => logJob("hourly", outcome))
        : Promise.all([
            retryDueInvites({ db, config, sender: senderFromConfig(config) }, now),
            retryDueWebhooks({ db }, now),
          ]).then(([invites, webhooks]) => logJob("deliveries", { invites, webhooks }));
    ctx.waitUntil(job);
  },
  // The CLICKS queue (wrangler.toml): invite-link clicks, stored in batches.
  async queue(batch, env) {
    await consumeClicks(createDb(env.DB), batch);
  },
} satisfies ExportedHandler<Bindings, ClickMessage>;
