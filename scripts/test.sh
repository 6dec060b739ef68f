#!/usr/bin/env bash
# The README's second command: builds the web pages, checks their API types against the
# served /openapi.json, then typecheck, lint and every test inside workerd against local D1
# and KV, then the browser tests (a real Chromium against a real `wrangler dev`).
# Installs from the lockfile first when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node22.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
rm -f .test-results/vitest.json .test-results/browser.json
# The Worker serves the built pages (Workers Static Assets): build before any test.
npm run web:build
npm run web:types:check
status=0
# Layers point down: no import cycle between folders or files of src/ (scripts/import-graph.mjs).
node scripts/import-graph.mjs --check > /dev/null || status=1
npm test || status=$?
# The committed OpenAPI document must be the one the routes generate, and lint clean
# (redocly.yaml). Failures are reported before the closing line, which stays last.
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
if ! node scripts/openapi.mjs --out "$fresh"; then
  status=1
elif ! cmp -s "$fresh" openapi.json; then
  echo "openapi.json is out of date: run npm run openapi" >&2
  status=1
fi
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx @redocly/cli lint openapi.json ||
  status=1
bash scripts/ensure-chromium.sh
npm run test:browser || status=$?
# The production bundle builds and fits the Workers size limits (no account needed).
node scripts/deploy.mjs --dry-run || status=$?
# One plain closing line for CI ("N passed, N failed"), summed over both JSON reports.
node -e '
  const fs = require("fs");
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const file of [".test-results/vitest.json", ".test-results/browser.json"]) {
    if (!fs.existsSync(file)) { total.failed += 1; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    total.passed += r.numPassedTests;
    total.failed += r.numFailedTests;
    total.skipped += r.numPendingTests;
  }
  console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
'
exit "$status"
