#!/usr/bin/env bash
# The browser tests drive a Chromium already on the machine. Where there is none, on
# Debian/Ubuntu as root, this installs the distribution's package (Playwright's own browser
# download is not used), and fonts for Urdu and Hindi where the machine has none (the pages
# are tested and photographed in both: without them every letter is a box).
set -euo pipefail
ensure_fonts() {
  if command -v fc-list >/dev/null && [ -n "$(fc-list :lang=hi)" ] && [ -n "$(fc-list :lang=ur)" ]; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Urdu and Hindi fonts for the browser tests (apt-get install fonts-noto-core)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core >/dev/null
  else
    echo "No Urdu or Hindi font: screenshots will show boxes (install fonts-noto-core)." >&2
  fi
}
ensure_fonts
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
