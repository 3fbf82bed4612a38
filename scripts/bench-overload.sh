#!/usr/bin/env bash
# Overload benchmark: builds the release server, starts it on a free port
# with a throwaway database, and runs server/examples/overload.rs against
# it: 1,000 login clients for 30 s, far more than the hashing threads can
# serve, so the hashing queue's bound (HASH_QUEUE_SECONDS, default 2) is
# what decides who waits and who is told "busy". The per-address login
# and registration limits are lifted (LOGIN_RATE_PER_MINUTE,
# REGISTRATION_RATE_PER_*): every client here shares 127.0.0.1, and those
# limits are not what this measures.
# Arguments: [sqlite|postgres] [clients] [seconds] [wait|at-once]
# (default sqlite 1000 30 wait). PostgreSQL: the cluster of scripts/pg.sh,
# a new database per run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

backend=${1:-sqlite}
clients=${2:-1000}
seconds=${3:-30}
mode=${4:-wait}
echo "bench-overload: building the release server and the load driver (several minutes the first time)"
cargo build --release -p server --bin server --example overload

# A connection per client on each side, and some to spare.
ulimit -n "$(( clients * 2 + 1024 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

data=$(mktemp -d)
case "$backend" in
  sqlite) database_url="sqlite://$data/bench.db" ;;
  postgres)
    admin=$(scripts/pg.sh start)
    name="threshold_overload_$$"
    psql "$admin" -Xqc "CREATE DATABASE $name"
    database_url="${admin%/*}/$name"
    ;;
  *) echo "usage: scripts/bench-overload.sh [sqlite|postgres] [clients] [seconds] [wait|at-once]" >&2; exit 2 ;;
esac
echo "bench-overload: $backend, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="$database_url" \
LOGIN_RATE_PER_MINUTE=100000000 REGISTRATION_RATE_PER_HOUR=100000000 \
REGISTRATION_RATE_PER_NAME_PER_HOUR=100000000 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/server" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
  rm -rf "$data"
  if [ "$backend" = postgres ]; then psql "$admin" -Xqc "DROP DATABASE IF EXISTS $name" || true; fi
}
trap cleanup EXIT

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
"$CARGO_TARGET_DIR/release/examples/overload" "http://127.0.0.1:$port" "$server" "$clients" "$seconds" "$mode"
