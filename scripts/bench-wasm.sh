#!/usr/bin/env bash
# Browser-side benchmark: builds the release site as it is shipped
# (precompressed), reports the size of every WASM and JS file in it (raw, and
# the gzip and brotli forms the server sends), then starts the release server
# on a free loopback port with a throwaway SQLite database and times the home
# page in Chromium:
#  - desktop (end2end/bench/hydration.mjs): navigation → hydrated and
#    navigation → "Log in" dialog open, cold and warm cache;
#  - phone (end2end/bench/phone.mjs): Lighthouse's mobile profile (150 ms,
#    1.6 Mbit/s, CPU 4× slower, 360×740 touch), cold cache: navigation → Log
#    in painted, → login form usable, → logged in, and the bytes received.
#
#   scripts/bench-wasm.sh [runs] [desktop|phone|all]
#
# runs: page loads per figure (default 20). Which profiles: the second
# argument, else $BENCH_PROFILE, else all (`BENCH_PROFILE=phone make
# bench-wasm` runs the phone part only). Sizes are always reported.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

runs=${1:-20}
profile=${2:-${BENCH_PROFILE:-all}}
case $profile in
  desktop | phone | all) ;;
  *) echo "bench: profile must be desktop, phone or all, not \"$profile\"" >&2; exit 2 ;;
esac
name=threshold # output-name in Cargo.toml's [workspace.metadata.leptos]

# The release site goes to a site root of its own rather than the usual
# target/site: that one holds the debug build the browser tests serve, and a
# `cargo leptos build` started meanwhile (tests, `make run`) would otherwise
# replace the bundle being measured. cargo-leptos reads LEPTOS_SITE_ROOT as
# an override of Cargo.toml's site-root.
site=target/bench-site
# cargo-leptos writes the package directory anew on every build (it reruns
# wasm-bindgen and wasm-opt even when nothing changed), so emptying it first
# costs nothing and leaves only this build's files for the size listing.
rm -rf "$site/pkg"
echo "bench: building the release site (several minutes the first time)" >&2
LEPTOS_SITE_ROOT=$site cargo leptos build --release --precompress

for file in "$site/pkg/$name.wasm" "$site/pkg/$name.js"; do
  [ -s "$file" ] || { echo "bench: $file was not built" >&2; exit 1; }
done

# Every .wasm and .js in the package directory, not just the main bundle and
# its glue: `cargo leptos build --split` would add chunks loaded on demand.
# --precompress writes each one's .gz and .br next to it; a missing one is
# reported as such (the server would then send the raw file).
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
bytes_of() { if [ -s "$1" ]; then wc -c <"$1"; fi; }
sizes=$(
  echo "| release bundle | raw KiB | gzip KiB (sent) | brotli KiB (sent) |"
  echo "|---|--:|--:|--:|"
  total=(0 0 0)
  missing=0
  suffixes=("" .gz .br)
  while IFS= read -r file; do
    row=()
    for i in 0 1 2; do
      bytes=$(bytes_of "$file${suffixes[i]}")
      if [ -n "$bytes" ]; then
        row+=("$(kib "$bytes")")
        total[i]=$((total[i] + bytes))
      else
        row+=("not built")
        missing=1
      fi
    done
    printf '| %s | %s | %s | %s |\n' "${file#"$site/pkg/"}" "${row[@]}"
  done < <(find "$site/pkg" -maxdepth 1 -type f \( -name '*.wasm' -o -name '*.js' \) | sort)
  printf '| **total** | %s | %s | %s%s |\n' "$(kib "${total[0]}")" "$(kib "${total[1]}")" "$(kib "${total[2]}")" \
    "$([ $missing -eq 0 ] || echo ' (missing files left out)')"
)
printf '%s\n' "$sizes" >&2 # early, while the browser runs; again in the summary

# The phone part registers an account per load, all from 127.0.0.1: the
# per-address registration limit (10 an hour by default) is lifted, as the
# browser tests do. Logins keep every default limit.
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=$site LEPTOS_SITE_PKG_DIR=pkg \
LEPTOS_OUTPUT_NAME=$name DATABASE_URL="sqlite://$data/bench.db" RUST_LOG=warn \
REGISTRATION_RATE_PER_HOUR=100000 \
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

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
timings=""
if [ "$profile" != phone ]; then
  echo "bench: desktop, $runs cold and $runs warm page loads in Chromium" >&2
  timings+=$'### Desktop\n\n'$(node end2end/bench/hydration.mjs "http://127.0.0.1:$port" "$runs")$'\n\n'
fi
if [ "$profile" != desktop ]; then
  echo "bench: phone, $runs cold loads in Chromium each logging in, then $runs left alone" >&2
  timings+=$'### Phone\n\n'$(node end2end/bench/phone.mjs "http://127.0.0.1:$port" "$runs")
fi

# Other work on the machine shows in the timings; the load average says how
# much. The tool versions decide the bundle's size.
cat <<EOF

== bench-wasm summary ($(date -u +%Y-%m-%d), $(nproc) cores, load average $load_before before the browser runs, $(cut -d' ' -f1-3 /proc/loadavg) after) ==
$(wasm-bindgen --version), $(wasm-opt --version | cut -d' ' -f1-3), $(rustc --version | cut -d' ' -f1-2)

$sizes

$timings
EOF
