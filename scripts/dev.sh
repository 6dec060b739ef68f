#!/usr/bin/env bash
# The README's first command: install, then serve the API on http://127.0.0.1:8787 with
# local D1 and KV, migrations applied and random local secrets (.dev.vars). Any `wrangler dev`
# flag may follow (`--port 9000` also moves PUBLIC_BASE_URL); see scripts/dev.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node22.sh
npm ci --no-audit --no-fund
exec node scripts/dev.mjs "$@"
