#!/usr/bin/env bash
# Browser-side benchmark: builds the release site as it is shipped
# (precompressed), reports the size of the WASM bundle and its JS glue (raw,
# and the gzip and brotli forms the server sends), then starts the release server on a free loopback port
# with a throwaway SQLite database and times, in Chromium, navigation →
# hydrated and navigation → "Log in" dialog open (end2end/bench/hydration.mjs).
# Argument: [runs] page loads per cache state (default 20).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

runs=${1:-20}
name=threshold # output-name in Cargo.toml's [workspace.metadata.leptos]

# The release site goes to a site root of its own rather than the usual
# target/site: that one holds the debug build the browser tests serve, and a
# `cargo leptos build` started meanwhile (tests, `make run`) would otherwise
# replace the bundle being measured. cargo-leptos reads LEPTOS_SITE_ROOT as
# an override of Cargo.toml's site-root.
site=target/bench-site
echo "bench: building the release site (several minutes the first time)" >&2
LEPTOS_SITE_ROOT=$site cargo leptos build --release --precompress

wasm=$site/pkg/$name.wasm
js=$site/pkg/$name.js
for file in "$wasm" "$js"; do
  [ -s "$file" ] || { echo "bench: $file was not built" >&2; exit 1; }
done

kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
size_of() { if [ -s "$1" ]; then kib "$(wc -c <"$1")"; else echo "not built"; fi; }
size_row() {
  printf '| %s | %s | %s | %s |\n' "$1" "$(size_of "$2")" "$(size_of "$2.gz")" "$(size_of "$2.br")"
}
sizes=$(
  echo "| release bundle | raw KiB | gzip KiB (sent) | brotli KiB (sent) |"
  echo "|---|--:|--:|--:|"
  size_row "$name.wasm" "$wasm"
  size_row "$name.js (glue)" "$js"
)
printf '%s\n' "$sizes" >&2 # early, while the browser runs; again in the summary

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=$site LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=$name DATABASE_URL="sqlite://$data/bench.db" RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/server" >&2 & # its log stays out of the summary on stdout
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT

ready=0
for _ in $(seq 300); do
  if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then ready=1; break; fi
  kill -0 $server 2>/dev/null || break # died (port taken, bad config): say so now
  sleep 0.1
done
if [ $ready -ne 1 ]; then
  echo "bench: the server on 127.0.0.1:$port did not become healthy" >&2
  exit 1
fi

echo "bench: $runs cold and $runs warm page loads in Chromium" >&2
timings=$(node end2end/bench/hydration.mjs "http://127.0.0.1:$port" "$runs")

# Other work on the machine shows in the timings; the load average says how
# much. The tool versions decide the bundle's size.
cat <<EOF

== bench-wasm summary ($(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)) ==
$(wasm-bindgen --version), $(wasm-opt --version | cut -d' ' -f1-3), $(rustc --version | cut -d' ' -f1-2)

$sizes

$timings
EOF
