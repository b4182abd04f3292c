#!/usr/bin/env bash
# Installs Debian's time when it is missing: the bench's peak-memory figures run each command
# under `/usr/bin/time -v` (make bench; not needed by the tests).
set -euo pipefail
[ -x /usr/bin/time ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "the bench needs /usr/bin/time: install it with 'apt-get install time' (as root)" >&2
  exit 1
fi
DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
