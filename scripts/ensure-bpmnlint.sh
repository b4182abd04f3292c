#!/usr/bin/env bash
# Installs the pinned bpmnlint (tools/bpmnlint/package-lock.json) into tools/bpmnlint/node_modules
# with `npm ci`, for tests/exchange/test_bpmn.py, which lints every shipped definition's BPMN export.
# Without Node and npm it says so and exits 0: the test then skips, except under CI=true, where it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)/tools/bpmnlint"
if [ -x "$here/node_modules/.bin/bpmnlint" ] \
  && [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: bpmnlint is not installed and the BPMN lint test will skip (install Node.js 20 or later)" >&2
  exit 0
fi
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
"$here/node_modules/.bin/bpmnlint" --version >/dev/null
