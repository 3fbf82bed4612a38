#!/usr/bin/env bash
# Two server instances on one PostgreSQL database, as behind a load balancer,
# and how soon a login on one reaches a support console's live feed on the
# other (server/examples/event_latency.rs). That the instances act as one
# site (sessions, throttling, the live feed) is proven by
# server/tests/cross_instance.rs, which `make test` runs on PostgreSQL too.
#
#   scripts/multi-instance.sh           run the measurement, stop both
#                                       instances, exit with the status of
#                                       its checks (the feed opened, every
#                                       login's event arrived, in order)
#   scripts/multi-instance.sh --serve   the same, then keep both instances
#                                       running until Ctrl-C, with a support
#                                       user to log in as
#
# LOGINS sets how many logins are timed (default 200). Each run starts from a
# fresh database, threshold_demo, in the throwaway cluster of scripts/pg.sh;
# it drops the previous run's, cutting off any instances still using it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
checkout=$PWD
source scripts/env.sh

say() { printf 'multi-instance: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

serve=
case ${1:-} in
  --serve) serve=1 ;;
  '') ;;
  *) die "usage: scripts/multi-instance.sh [--serve]" ;;
esac
logins=${LOGINS:-200}

pg_url=$(scripts/pg.sh start) || die "PostgreSQL is needed and scripts/pg.sh could not start it (messages above)"
[[ $pg_url == postgres://* ]] || die "scripts/pg.sh start printed '$pg_url', not a postgres:// URL"
# Debian puts psql on PATH through its wrapper; fall back to the newest
# installed major, as pg.sh does.
psql=$(command -v psql || printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
[ -x "$psql" ] || die "psql not found; install Debian's postgresql-client"
database=threshold_demo
database_url=${pg_url%/*}/$database
say "fresh database $database_url"
# Separate -c commands: DROP/CREATE DATABASE cannot run in a transaction.
# FORCE ends the connections of a previous demo still running.
"$psql" -X -q -v ON_ERROR_STOP=1 -d "$pg_url" \
  -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
  -c "CREATE DATABASE $database" ||
  die "could not recreate $database (messages above)"

say "building the release server and the measurement (several minutes the first time)"
cargo build --release -p server --bin server --example event_latency
server_bin=$CARGO_TARGET_DIR/release/server
latency_bin=$CARGO_TARGET_DIR/release/examples/event_latency

work=$(mktemp -d)
pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # SIGTERM lets them shut down gracefully (live feeds end at once); one
  # that hangs is not allowed to hold the script.
  for _ in $(seq 50); do
    local alive=
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT
# Ctrl-C while serving: leave through the EXIT trap, which stops both.
trap 'exit 130' INT TERM

# The server runs in $work, away from the checkout, so a developer's .env
# (SMTP settings, another DATABASE_URL) is not read; SMTP unset means the
# development mailbox. The site assets may be missing: /api, /healthz and
# /support/events are served without them. The per-address login and
# registration limits are lifted because every request in the measurement
# comes from 127.0.0.1.
server_env=(env -C "$work" -u SMTP_URL -u MAIL_FROM -u PUBLIC_URL
  LEPTOS_SITE_ROOT="$checkout/target/site" LEPTOS_SITE_PKG_DIR=pkg
  LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="$database_url"
  LOGIN_RATE_PER_MINUTE=100000000 REGISTRATION_RATE_PER_HOUR=100000000
  REGISTRATION_RATE_PER_NAME_PER_HOUR=100000000 RUST_LOG="${RUST_LOG:-warn}")

support_user=demo.support
# A new password each run, printed with --serve for logging in by hand.
support_password=$(python3 -c 'import secrets; print("demo-" + secrets.token_urlsafe(12))')
printf '%s\n' "$support_password" | "${server_env[@]}" "$server_bin" create-support-user \
  --username "$support_user" --email "$support_user@example.org" \
  --first-name Demo --surname Support >&2 ||
  die "could not create the support user (messages above)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
urls=()
for name in a b; do
  port=$(free_port)
  # A simple command, so $! is the server itself (env execs it), not a
  # shell around it that a kill would leave the server behind.
  "${server_env[@]}" LEPTOS_SITE_ADDR="127.0.0.1:$port" "$server_bin" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  urls+=("http://127.0.0.1:$port")
done

show_logs() {
  local name
  for name in a b; do
    say "last lines of instance ${name^^}'s log:"
    tail -n 20 "$work/$name.log" >&2 || true
  done
}
for i in 0 1; do
  ready=
  for _ in $(seq 300); do
    if curl -sf "${urls[$i]}/healthz" >/dev/null; then ready=1; break; fi
    kill -0 "${pids[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ready" ] || { show_logs; die "instance at ${urls[$i]} did not start"; }
done
say "instance A: ${urls[0]}   instance B: ${urls[1]}"

status=0
"$latency_bin" "${urls[0]}" "${urls[1]}" "$support_user" "$support_password" "$logins" || status=$?
[ "$status" = 0 ] || show_logs

echo "instance A: ${urls[0]}"
echo "instance B: ${urls[1]}"
if [ -z "$serve" ]; then
  exit "$status"
fi

[ -f target/site/pkg/threshold.js ] ||
  say "note: the site is not built (target/site/pkg), so pages will not load; the API and the live feed work"
cat <<EOF

Both instances share $database_url.
Log in on either as the support user, then open /support for the live feed:
  username  $support_user
  password  $support_password
The per-address login limit is lifted on these instances (the measurement
needs it); the per-name throttling of failed logins is as in production.
Logs: $work/a.log and $work/b.log. Ctrl-C stops both.
EOF
# Returns when an instance stops by itself (Ctrl-C goes to the trap).
wait -n "${pids[@]}" || true
show_logs
die "an instance stopped by itself (the ends of the logs are above)"
