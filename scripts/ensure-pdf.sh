#!/usr/bin/env bash
# Installs what WeasyPrint draws PDFs with when it is missing: Debian's Pango and a font with
# Swedish letters (the meeting documents: agenda, minutes, extracts, notices).
set -euo pipefail
py=${PYTHON:-.venv/bin/python}
if "$py" -c "import weasyprint" >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi dejavu; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  apt_get="apt-get"
elif command -v sudo >/dev/null 2>&1; then
  apt_get="sudo apt-get"
else
  echo "PDF documents need Pango and fonts: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core (as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$apt_get update -qq >/dev/null
$apt_get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null
"$py" -c "import weasyprint"
