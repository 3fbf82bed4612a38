#!/usr/bin/env bash
# Threshold as it runs in production, on this machine: Debian's nginx with
# the committed scripts/nginx/threshold.conf in front of two release
# instances sharing one PostgreSQL database (the throwaway cluster of
# scripts/pg.sh). Loopback only, free ports. Serves until Ctrl-C.
#
# What this set-up must do (clients keyed by their own address, forged
# X-Forwarded-For ignored, foreign Host refused, sessions shared) is proven
# by server/tests/behind_nginx.rs, which `make test` runs on the same file.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
checkout=$PWD
source scripts/env.sh

say() { printf 'behind-proxy: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || die "nginx is not installed (apt-get install nginx; scripts/setup.sh does it)"
pg_url=$(scripts/pg.sh start) || die "PostgreSQL is needed and scripts/pg.sh could not start it (messages above)"
psql=$(command -v psql || printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
database=threshold_proxy
database_url=${pg_url%/*}/$database
"$psql" -X -q -v ON_ERROR_STOP=1 -d "$pg_url" \
  -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
  -c "CREATE DATABASE $database" || die "could not recreate $database (messages above)"

say "building the release server (several minutes the first time)"
cargo build --release -p server --bin server
server_bin=$CARGO_TARGET_DIR/release/server

work=$(mktemp -d)
pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
public_port=$(free_port)
public=http://127.0.0.1:$public_port
server_env=(env -C "$work" -u SMTP_URL -u MAIL_FROM
  LEPTOS_SITE_ROOT="$checkout/target/site" LEPTOS_SITE_PKG_DIR=pkg
  LEPTOS_OUTPUT_NAME=threshold DATABASE_URL="$database_url"
  PUBLIC_URL="$public" TRUSTED_PROXIES=127.0.0.1 RUST_LOG="${RUST_LOG:-info,sqlx=warn}")

ports=()
for name in a b; do
  port=$(free_port)
  "${server_env[@]}" LEPTOS_SITE_ADDR="127.0.0.1:$port" "$server_bin" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  ports+=("$port")
done

mkdir -p "$work/nginx/logs"
site=$(sed -e "s/127\.0\.0\.1:3001/127.0.0.1:${ports[0]}/" -e "s/127\.0\.0\.1:3002/127.0.0.1:${ports[1]}/" \
  -e "s/listen 80;/listen 127.0.0.1:$public_port;/" -e "s/server_name threshold\.example\.org;/server_name 127.0.0.1;/" \
  scripts/nginx/threshold.conf)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/logs/nginx.pid;
events { worker_connections 1024; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
$site
}
CONF
# One -g only: nginx keeps the last, and "daemon off;" must stay.
directives="daemon off;"
[ "$(id -u)" = 0 ] && directives="daemon off; user root;"
"$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "$directives" &
pids+=("$!")

for _ in $(seq 300); do
  curl -sf -o /dev/null "$public/healthz" && break
  sleep 0.1
done
curl -sf -o /dev/null "$public/healthz" || { tail -n 20 "$work"/*.log "$work/nginx/logs/error.log" >&2; die "the site did not come up"; }
[ -f target/site/pkg/threshold.js ] ||
  say "note: the site is not built (target/site/pkg), so pages will not load; the API works"
cat <<MSG

Threshold behind nginx: $public
  instances  127.0.0.1:${ports[0]}  127.0.0.1:${ports[1]}  (PUBLIC_URL=$public TRUSTED_PROXIES=127.0.0.1)
  database   $database_url
  logs       $work/a.log $work/b.log $work/nginx/logs/
Ctrl-C stops everything.
MSG
died=
wait -n -p died "${pids[@]}" || true
tail -n 20 "$work"/*.log "$work/nginx/logs/error.log" >&2 || true
die "process $died stopped by itself (the ends of the logs are above)"
