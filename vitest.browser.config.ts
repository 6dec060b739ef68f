import { defineConfig } from "vitest/config";

// The browser tests run in Node (not workerd): Playwright drives a real Chromium against a
// real `wrangler dev` (test-browser/server.ts). They need `npm run web:build` first.
export default defineConfig({
  test: {
    include: ["test-browser/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 420_000,
  },
});
