#!/usr/bin/env bash
# Runs Threshold's tests: `lint`, `unit` (unit and integration), `e2e`
# (Playwright in Chromium against a freshly built server), or all of them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

lint() {
  step "rustfmt"
  cargo fmt --all -- --check
  step "clippy (server side: ssr)"
  cargo clippy -p threshold-core -p app -p server --all-targets --features app/ssr -- -D warnings
  step "clippy (browser side: hydrate, wasm32)"
  cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
}

unit() {
  step "unit and integration tests"
  cargo test -p threshold-core -p app -p server --features app/ssr
}

e2e() {
  step "building the site (server + WASM)"
  cargo leptos build
  step "end-to-end tests in Chromium"
  (cd end2end && npx playwright test)
}

case "${1:-all}" in
  lint) lint ;;
  unit) unit ;;
  e2e) e2e ;;
  all) lint; unit; e2e ;;
  *) echo "usage: scripts/test.sh [lint|unit|e2e|all]" >&2; exit 2 ;;
esac
