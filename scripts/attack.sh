#!/usr/bin/env bash
# Scripted password guessing (figures in SECURITY.md): builds the release
# server, then runs server/examples/brute_force.rs twice, each time against
# a fresh server and database:
#   1. the per-address limit lifted, so the per-name defences (delay, lock)
#      are what the guesses meet;
#   2. the default configuration.
# Arguments: [guesses] (default 10000).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

guesses=${1:-10000}
echo "attack: building the release server and the attack driver (several minutes the first time)"
cargo build --release -p server --bin server --example brute_force

run() {
  local label=$1 rate=$2
  local data port server
  data=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="sqlite://$data/attack.db" \
  LOGIN_RATE_PER_MINUTE=$rate RUST_LOG=error \
    "$CARGO_TARGET_DIR/release/server" &
  server=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  "$CARGO_TARGET_DIR/release/examples/brute_force" "http://127.0.0.1:$port" "$guesses" "$label" || status=$?
  kill "$server"; wait "$server" 2>/dev/null || true
  rm -rf "$data"
  return "${status:-0}"
}

run "per-address limit lifted: the per-name defences alone" 100000000
run "default configuration (20 attempts a minute per address)" 20
