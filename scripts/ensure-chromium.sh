#!/usr/bin/env bash
# The browser tests drive a Chromium already on the machine. Where there is none, on
# Debian/Ubuntu as root, this installs the distribution's package (Playwright's own browser
# download is not used).
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/lib/chromium/chromium /usr/bin/chromium \
  /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the browser tests (apt-get install chromium)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "No Chromium found: install one, or set CHROMIUM_PATH, to run the browser tests." >&2
  exit 1
fi
