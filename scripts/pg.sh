#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for tests, benchmarks and the
# multi-instance demo, using Debian's postgresql package (highest major installed).
#
#   scripts/pg.sh start   start it, or reuse it if it runs; prints its URL, the
#                         only line on stdout (progress goes to stderr)
#   scripts/pg.sh url     print the URL if it runs, else exit 1
#   scripts/pg.sh stop    stop it if it runs
#   scripts/pg.sh status  say whether it runs and where (exit 3 if it does not)
#
# THRESHOLD_PG_DIR holds the data dir, socket and log (default
# ~/.cache/threshold/pg, or /var/tmp/threshold-pg as root); THRESHOLD_PG_PORT
# is the port (default 54329). The app connects as role `threshold`
# (LOGIN CREATEDB, not superuser) to database `threshold`, which it owns.
set -euo pipefail

say() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

install_hint="install Debian's postgresql package (apt-get install postgresql)"
port=${THRESHOLD_PG_PORT:-54329}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` OS user that Debian's package creates. That user cannot traverse
# /root (usually mode 700), hence the default outside $HOME.
if [ "$(id -u)" = 0 ]; then
  superuser=postgres
  dir=${THRESHOLD_PG_DIR:-/var/tmp/threshold-pg}
  getent passwd postgres >/dev/null || die "there is no 'postgres' OS user; $install_hint"
  as_pg() { (cd / && runuser -u postgres -- "$@" 9>&-); }
else
  superuser=$(id -un)
  dir=${THRESHOLD_PG_DIR:-$HOME/.cache/threshold/pg}
  as_pg() { "$@" 9>&-; }
fi
dir=$(realpath -m -- "$dir")
data=$dir/data
log=$dir/postgres.log

# Version sort, so that a future 100 beats 15.
pg_ctl=$(printf '%s\n' /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)
[ -x "$pg_ctl" ] || die "PostgreSQL not found under /usr/lib/postgresql/<major>/bin; $install_hint"
bin=${pg_ctl%/pg_ctl}
major=$(basename "${bin%/bin}")

running() { [ -f "$data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }
# The port the running server really uses (line 4 of postmaster.pid).
running_port() { sed -n 4p "$data/postmaster.pid"; }
url() { printf 'postgres://threshold@127.0.0.1:%s/threshold\n' "$(running_port)"; }

init_cluster() {
  say "creating a cluster in $data (PostgreSQL $major)"
  # -N skips fsync (the data is disposable); errors still reach stderr.
  as_pg "$bin/initdb" -D "$data" -U "$superuser" -A trust -E UTF8 --locale=C -N >/dev/null ||
    die "initdb failed (messages above)"
  # Trust without passwords, but only over the socket and 127.0.0.1: this is a
  # throwaway test cluster that listens on loopback only.
  as_pg tee "$data/pg_hba.conf" >/dev/null <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
  # The data is disposable, so durability is traded for speed: a crash may
  # corrupt the cluster, and the cure is to delete it. Tests open many pools.
  as_pg tee -a "$data/postgresql.conf" >/dev/null <<'EOF'

# Added by scripts/pg.sh
listen_addresses = '127.0.0.1'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

start_server() {
  [ "$(cat "$data/PG_VERSION")" = "$major" ] ||
    die "$data was made by PostgreSQL $(cat "$data/PG_VERSION") but $major is installed; it is throwaway: remove $dir and run start again"
  if (: <>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is taken by something other than this cluster; set THRESHOLD_PG_PORT to a free port"
  fi
  say "starting PostgreSQL $major on 127.0.0.1:$port (log: $log)"
  # pg_ctl hands -o to /bin/sh, hence the quotes around the socket dir.
  if ! as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 30 \
    -o "-k '$dir' -p $port -c listen_addresses=127.0.0.1" start >&2; then
    tail -n 20 "$log" >&2 || true
    die "PostgreSQL did not start; the end of $log is above"
  fi
}

start() {
  mkdir -p "$dir"
  if [ "$superuser" = postgres ]; then
    chown postgres: "$dir"
    as_pg test -w "$dir" ||
      die "user postgres cannot write $dir (is a parent directory private, like /root?); set THRESHOLD_PG_DIR to a path outside it"
  fi
  # Parallel callers (test runs, demo instances) take turns, so only one starts
  # the server and creates the role. as_pg closes fd 9 so that the server does
  # not inherit the lock and hold it forever.
  exec 9>>"$dir/lock"
  flock -w 60 9 || die "timed out waiting for another pg.sh start (lock $dir/lock)"

  if running; then
    say "reusing the running cluster in $data"
  else
    [ -f "$data/PG_VERSION" ] || init_cluster
    start_server
  fi
  local p
  p=$(running_port)
  [ "$p" = "$port" ] || say "note: the running cluster uses port $p, not $port; stop it to change port"

  local ready=
  for _ in $(seq 30); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$p"; then ready=1; break; fi
    sleep 1
  done
  [ -n "$ready" ] || { tail -n 20 "$log" >&2 || true; die "PostgreSQL on 127.0.0.1:$p did not become ready in 30 s; the end of $log is above"; }

  # Idempotent. CREATE DATABASE cannot run inside DO, hence \gexec.
  as_pg "$bin/psql" -X -q -h "$dir" -p "$p" -U "$superuser" -d postgres -v ON_ERROR_STOP=1 >&2 <<'SQL' ||
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'threshold') THEN CREATE ROLE threshold; END IF;
END $$;
ALTER ROLE threshold LOGIN CREATEDB NOSUPERUSER;
SELECT 'CREATE DATABASE threshold OWNER threshold'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'threshold') \gexec
SQL
    die "could not create role and database 'threshold' (messages above)"
  url
}

case ${1:-} in
  start) start ;;
  url) running || die "not running (data dir $data); run scripts/pg.sh start"; url ;;
  stop)
    if running; then
      as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
    else
      say "not running (data dir $data)"
    fi
    ;;
  status)
    if running; then
      echo "running: $(url) (PostgreSQL $major, data $data, socket dir $dir, log $log)"
    else
      echo "not running (data dir $data)"
      exit 3
    fi
    ;;
  *) die "usage: scripts/pg.sh start|url|stop|status" ;;
esac
