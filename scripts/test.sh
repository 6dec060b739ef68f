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
