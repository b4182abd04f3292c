#!/usr/bin/env bash
# Installs what the browser tests (tests/e2e) need when it is missing: Debian's chromium and
# chromium-driver (apt-get, as root or through sudo), and the pinned axe-core
# (tools/axe/package-lock.json) with `npm ci` into tools/axe/node_modules.
# Without a way to install it says so and exits 0: the browser tests then skip with the reason,
# except under CI=true, where they fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

have_browser() {
  { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } \
    && command -v chromedriver >/dev/null 2>&1
}

if ! have_browser; then
  if [ "$(id -u)" = 0 ]; then
    apt_get="apt-get"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get="sudo apt-get"
  else
    echo "chromium and chromium-driver are missing: install them with 'apt-get install chromium chromium-driver' (as root); the browser tests will skip" >&2
    apt_get=""
  fi
  if [ -n "$apt_get" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $apt_get update -qq >/dev/null
    $apt_get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
    have_browser
  fi
fi

axe="$root/tools/axe"
if [ -f "$axe/node_modules/axe-core/axe.min.js" ] \
  && [ "$axe/node_modules/.package-lock.json" -nt "$axe/package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: axe-core is not installed and the accessibility checks will skip (install Node.js 20 or later)" >&2
  exit 0
fi
npm ci --prefix "$axe" --no-audit --no-fund --loglevel=error >/dev/null
test -f "$axe/node_modules/axe-core/axe.min.js"
