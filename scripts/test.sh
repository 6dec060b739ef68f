#!/usr/bin/env bash
# The README's second command: typecheck, lint, then every test inside workerd against
# local D1 and KV. Installs from the lockfile first when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node22.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm test
# The committed OpenAPI document must be the one the routes generate, and lint clean
# (redocly.yaml). Failures are reported before the closing line, which stays last.
status=0
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
# One plain closing line for CI ("N passed, N failed"), read from vitest's JSON report.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-results/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
'
exit "$status"
