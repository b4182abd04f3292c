#!/usr/bin/env bash
# Installs what drawing and its tests use besides Graphviz (scripts/ensure-graphviz.sh):
#   librsvg2-bin  rsvg-convert: the timeline as PNG or PDF (wf case timeline -o t.png|t.pdf)
#   poppler-utils pdftotext: the tests read the PDF back
#   bpmnlint      scripts/ensure-bpmnlint.sh: the tests lint every shipped definition's BPMN export
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
command -v rsvg-convert >/dev/null 2>&1 || missing+=(librsvg2-bin)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt_get="apt-get"
  elif command -v sudo >/dev/null 2>&1; then
    apt_get="sudo apt-get"
  else
    echo "missing: ${missing[*]}; install with 'apt-get install ${missing[*]}' (as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $apt_get update -qq >/dev/null
  $apt_get install -y -qq "${missing[@]}" >/dev/null
  command -v rsvg-convert >/dev/null && command -v pdftotext >/dev/null
fi
"$here/ensure-bpmnlint.sh"
