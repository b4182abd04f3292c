#!/usr/bin/env bash
# Installs Debian's graphviz (for `dot`) when it is missing; diagrams need it.
set -euo pipefail
command -v dot >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then
  apt_get="apt-get"
elif command -v sudo >/dev/null 2>&1; then
  apt_get="sudo apt-get"
else
  echo "graphviz is missing: install it with 'apt-get install graphviz' (as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$apt_get update -qq >/dev/null
$apt_get install -y -qq graphviz >/dev/null
command -v dot >/dev/null
