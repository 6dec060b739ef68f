#!/usr/bin/env bash
# The README's first command: install, then serve the API on http://127.0.0.1:8787 with
# local D1 and KV, migrations applied and random local secrets (.dev.vars).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/use-node22.sh
npm ci --no-audit --no-fund
npm run dev -- "$@"
