#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: start | stop | url.
#
# PostgreSQL refuses to run as root, so when run as root the server runs as an
# unprivileged user (WF_PG_USER, default "wfpg", created if missing). The data
# folder is under /tmp (WF_PG_DIR), where that user can reach it, and is removed on stop.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
port=${WF_PG_PORT:-54329}
base=${WF_PG_DIR:-${TMPDIR:-/tmp}/wf-pg-$port}
data=$base/data
log=$base/server.log
user=${WF_PG_USER:-wfpg}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su -s /bin/sh "$user" -c "$*"
  else
    sh -c "$*"
  fi
}

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"; }

install_server() {
  # A fresh machine may lack the server: install Debian's PostgreSQL 15 when we can.
  [ -x "$bindir/pg_ctl" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql-15 >/dev/null 2>&1 || true
  fi
  [ -x "$bindir/pg_ctl" ]
}

start() {
  if ! install_server; then
    echo "pg.sh: no PostgreSQL server in $bindir (install postgresql-15)" >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  if [ -f "$data/postmaster.pid" ] && as_owner "'$bindir/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
    url
    return 0
  fi
  rm -rf "$data"
  mkdir -p "$base"
  [ "$(id -u)" = 0 ] && chown "$user" "$base"
  as_owner "'$bindir/initdb' -D '$data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >"$base/initdb.log" 2>&1 \
    || { cat "$base/initdb.log" >&2; return 1; }
  as_owner "'$bindir/pg_ctl' -D '$data' -l '$log' -w -t 60 -o \"-p $port -k '$base' -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off\" start" >/dev/null \
    || { cat "$log" >&2; return 1; }
  url
}

stop() {
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "'$bindir/pg_ctl' -D '$data' -m fast -w stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
