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
# One plain closing line for CI ("N passed, N failed"), read from vitest's JSON report.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-results/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
'
