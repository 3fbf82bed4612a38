#!/usr/bin/env bash
# Runs Threshold's tests: `lint`, `unit` (unit and integration), `e2e`
# (Playwright in Chromium against a freshly built server), or all of them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The shared build directory keeps third-party crates across clones; this
# project's own crates are rebuilt for each clone's path, so their old
# copies (over a day old) are only weight.
prune_old_builds() {
  local deps="$CARGO_TARGET_DIR/debug/deps"
  [ -d "$deps" ] || return 0
  find "$deps" -maxdepth 1 -mtime +1 \( -name 'libthreshold_core-*' -o -name 'threshold_core-*' \
    -o -name 'libapp-*' -o -name 'app-*' -o -name 'server-*' -o -name 'libfrontend-*' \
    -o -name 'login-*' -o -name 'reset-*' -o -name 'registration-*' -o -name 'support_*' \
    -o -name 'outbox_crash-*' \) -delete 2>/dev/null || true
}
prune_old_builds

lint() {
  step "rustfmt"
  cargo fmt --all -- --check
  step "clippy (server side: ssr)"
  cargo clippy -p threshold-core -p app -p server --all-targets --features app/ssr -- -D warnings
  step "clippy (browser side: hydrate, wasm32)"
  cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
}

unit() {
  step "unit and integration tests (SQLite)"
  cargo test -p threshold-core -p app -p server --features app/ssr
  postgres
  behind_nginx
}

# The same integration tests against PostgreSQL (the contract both backends
# meet), plus the server-process tests with instances sharing one database.
# THRESHOLD_TEST_POSTGRES may name a role that can create databases;
# otherwise a throwaway cluster is started on loopback (scripts/pg.sh).
postgres() {
  step "integration tests (PostgreSQL)"
  local url="${THRESHOLD_TEST_POSTGRES:-}"
  if [ -z "$url" ] && ! url=$(scripts/pg.sh start); then
    if [ "${CI:-}" = true ]; then
      echo "PostgreSQL could not be started (see above): CI needs it" >&2
      exit 1
    fi
    POSTGRES_SKIPPED="no PostgreSQL server is reachable (install Debian's postgresql package, or set THRESHOLD_TEST_POSTGRES)"
    printf '\n\033[1;33mSKIPPED: the PostgreSQL tests — %s\033[0m\n' "$POSTGRES_SKIPPED" >&2
    return 0
  fi
  # Each test makes a database of its own; drop what earlier runs left.
  if command -v psql >/dev/null; then
    psql "$url" -XAtqc "SELECT datname FROM pg_database WHERE datname LIKE 'threshold\_test\_%'" |
      while read -r name; do psql "$url" -Xqc "DROP DATABASE IF EXISTS $name" >/dev/null; done
  fi
  # The same packages and features as above, so nothing is rebuilt.
  POSTGRES_URL=$url
  THRESHOLD_TEST_POSTGRES="$url" cargo test -p threshold-core -p app -p server --features app/ssr --tests
  step "PostgreSQL restarted under load (a cluster of its own)"
  cargo test -p threshold-core -p app -p server --features app/ssr --test postgres_restart -- --ignored
}

# Two instances behind Debian's nginx running scripts/nginx/threshold.conf
# (server/tests/behind_nginx.rs): on PostgreSQL when it ran, else SQLite.
behind_nginx() {
  step "behind nginx: two instances, clients at distinct loopback addresses"
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    if [ "${CI:-}" = true ]; then
      echo "nginx is not installed (scripts/setup.sh installs Debian's nginx): CI needs it" >&2
      exit 1
    fi
    NGINX_SKIPPED="nginx is not installed (install Debian's nginx package)"
    printf '\n\033[1;33mSKIPPED: the test behind nginx — %s\033[0m\n' "$NGINX_SKIPPED" >&2
    return 0
  fi
  local args=(-p server --features app/ssr --test behind_nginx -- --ignored)
  if [ -n "${POSTGRES_URL:-}" ]; then
    THRESHOLD_TEST_POSTGRES="$POSTGRES_URL" cargo test "${args[@]}"
  else
    cargo test "${args[@]}"
  fi
}

# Said again at the very end, so a skipped suite cannot pass unnoticed.
report_skips() {
  if [ -n "${POSTGRES_SKIPPED:-}" ]; then
    printf '\n\033[1;33mSKIPPED: the PostgreSQL tests did not run — %s\033[0m\n' "$POSTGRES_SKIPPED" >&2
  fi
  if [ -n "${NGINX_SKIPPED:-}" ]; then
    printf '\n\033[1;33mSKIPPED: the test behind nginx did not run — %s\033[0m\n' "$NGINX_SKIPPED" >&2
  fi
}
trap report_skips EXIT

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
