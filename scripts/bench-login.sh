#!/usr/bin/env bash
# Login and registration load benchmark: builds the release server, starts
# it on a free port with a throwaway database and the per-address limit
# lifted (every client here shares 127.0.0.1), runs
# server/examples/login_load.rs then register_load.rs against it and stops
# it. Arguments: [sqlite|postgres] [clients] [seconds] (default sqlite 200
# 20). PostgreSQL: the cluster of scripts/pg.sh, a new database per run.
# The hashing queue's bound is raised (HASH_QUEUE_SECONDS=60) so that no
# login is shed: this measures throughput at saturation; shedding under
# overload is scripts/bench-overload.sh's. The hashing bound is read from
# the server's own /metrics (Argon2 job time recorded during the run).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

backend=${1:-sqlite}
clients=${2:-200}
seconds=${3:-20}
echo "bench: building the release server and the load driver (several minutes the first time)"
cargo build --release -p server --bin server --example login_load --example register_load

data=$(mktemp -d)
case "$backend" in
  sqlite) database_url="sqlite://$data/bench.db" ;;
  postgres)
    admin=$(scripts/pg.sh start)
    name="threshold_bench_$$"
    psql "$admin" -Xqc "CREATE DATABASE $name"
    database_url="${admin%/*}/$name"
    ;;
  *) echo "usage: scripts/bench-login.sh [sqlite|postgres] [clients] [seconds]" >&2; exit 2 ;;
esac
echo "bench: $backend, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="$database_url" \
LOGIN_RATE_PER_MINUTE=100000000 REGISTRATION_RATE_PER_HOUR=100000000 \
REGISTRATION_RATE_PER_NAME_PER_HOUR=100000000 HASH_QUEUE_SECONDS=60 RUST_LOG=warn \
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
"$CARGO_TARGET_DIR/release/examples/login_load" "http://127.0.0.1:$port" "$server" "$clients" "$seconds"
"$CARGO_TARGET_DIR/release/examples/register_load" "http://127.0.0.1:$port"
