import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ENVIRONMENT: "test",
            // Test-only secrets: random per run, never a built-in default of the code.
            ACCESS_TOKEN_SECRET: crypto.randomUUID() + crypto.randomUUID(),
            EVENTS_API_KEY: crypto.randomUUID() + crypto.randomUUID(),
            IP_HASH_SALT: crypto.randomUUID() + crypto.randomUUID(),
            // Invites go to a webhook that tests intercept (an outbound HTTP call, not the platform).
            INVITE_SENDER: "webhook",
            INVITE_WEBHOOK_URL: "https://hooks.test/invites",
            INVITE_WEBHOOK_SECRET: "webhook-secret-of-at-least-32-bytes!!",
            LEADERBOARD_CACHE_SECONDS: "0",
            // bcrypt's minimum cost keeps hundreds of signups fast; cost 10 is benchmarked.
            BCRYPT_COST: "4",
            PUBLIC_BASE_URL: "https://api.test",
            SIGNUP_URL: "https://app.test/signup",
            CORS_ORIGINS: "https://app.test",
            ADMIN_PHONES: "+923009999999",
          },
        },
      }),
    ],
    test: {
      // Every request logs one JSON line (src/platform/request-log.ts); the request-log tests
      // read them with a spy, and the test report stays readable without them.
      onConsoleLog: (log: string) => !log.startsWith('{"type":"request"'),
      // Tests assert outcomes, never speed: a busy 2-core machine must not fail them.
      testTimeout: 30_000,
      // test-browser/ runs in Node with its own config (vitest.browser.config.ts).
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts", "./test/ledger-invariant.ts"],
    },
  };
});
