#!/usr/bin/env bash
# The whole test suite, on SQLite and on a throwaway PostgreSQL server.
#
# The server is started here and stopped on exit. Outside CI, if it cannot be
# started, the PostgreSQL tests are reported as skipped with the reason; in CI
# (CI=true) that is a failure.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}

if [ -z "${WF_TEST_PG_URL:-}" ]; then
  if url=$("$here/scripts/pg.sh" start 2>"${TMPDIR:-/tmp}/wf-pg-start.err"); then
    export WF_TEST_PG_URL=$url
    trap '"$here/scripts/pg.sh" stop' EXIT
    echo "PostgreSQL test server: $url"
  else
    reason=$(tail -n 3 "${TMPDIR:-/tmp}/wf-pg-start.err" | tr '\n' ' ')
    if [ "${CI:-}" = true ]; then
      echo "CI: the PostgreSQL test server did not start: $reason" >&2
      exit 1
    fi
    export WF_TEST_PG_UNAVAILABLE="could not start a PostgreSQL server: $reason"
    echo "PostgreSQL tests will be skipped: $WF_TEST_PG_UNAVAILABLE" >&2
  fi
fi

cd "$here"
"$py" -m pytest "$@"
