#!/usr/bin/env bash
# Login load benchmark: builds the release server, starts it on a free port
# with a throwaway SQLite database and the per-address limit lifted (every
# client here shares 127.0.0.1), runs server/examples/login_load.rs against
# it and stops it. Arguments: [clients] [seconds] (default 200 20).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

clients=${1:-200}
seconds=${2:-20}
echo "bench: building the release server and the load driver (several minutes the first time)"
cargo build --release -p server --bin server --example login_load

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="sqlite://$data/bench.db" \
LOGIN_RATE_PER_MINUTE=100000000 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/server" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
"$CARGO_TARGET_DIR/release/examples/login_load" "http://127.0.0.1:$port" "$server" "$clients" "$seconds"
