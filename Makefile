# The two commands of the README, and the pieces they are made of.
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: run test setup lint unit e2e bench-login bench-overload bench-search bench-password bench-wasm bench-enumeration multi-instance behind-proxy attack

## Build and serve Threshold on http://127.0.0.1:3000 (SQLite, dev mailbox).
run: setup
	@$(ENV) cargo leptos watch

## Every test: formatting, lints, unit and integration tests, then the
## browser suite against a freshly built server.
test: setup
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

lint: setup
	@bash scripts/test.sh lint

unit: setup
	@bash scripts/test.sh unit

e2e: setup
	@bash scripts/test.sh e2e

## Login and registration throughput against a release server, on SQLite
## and on PostgreSQL (see README, Performance).
bench-login: setup
	@bash scripts/bench-login.sh sqlite
	@bash scripts/bench-login.sh postgres

## 1,000 login clients for 30 s against a release server on SQLite and on
## PostgreSQL: throughput against the hashing bound, latency of answered and
## of busy (503) logins, peak RSS (README, Performance).
bench-overload: setup
	@bash scripts/bench-overload.sh sqlite
	@bash scripts/bench-overload.sh postgres

## How long judging a new password takes, worst cases included (README).
bench-password: setup
	@$(ENV) cargo bench -p threshold-core --features server --bench password_verdict

## Support search on 100,000 accounts: p50/p95 per kind of query, on SQLite
## and on PostgreSQL (README).
bench-search: setup
	@$(ENV) cargo bench -p threshold-core --features server --bench support_search
	@$(ENV) BENCH_POSTGRES=$$(scripts/pg.sh start) cargo bench -p threshold-core --features server --bench support_search

## WASM and JS sizes (raw, gzip, brotli) and, in headless Chromium on the
## release build, navigation → hydrated → Log in dialog open on a desktop,
## and navigation → login form usable → logged in on a throttled phone
## profile (README). BENCH_PROFILE=desktop or phone runs one of the two.
bench-wasm: setup
	@bash scripts/bench-wasm.sh

## Login timing for a known and an unknown name at the production Argon2
## cost (server/core/tests/enumeration.rs), printed and compared.
bench-enumeration: setup
	@$(ENV) cargo test -p threshold-core --features server --release --test enumeration -- --include-ignored --nocapture

## Two release instances on one PostgreSQL: how soon a login on one reaches
## the live feed on the other (README). The cross-instance behaviour itself
## is proven by server/tests/cross_instance.rs.
multi-instance: setup
	@bash scripts/multi-instance.sh

## Two release instances on PostgreSQL behind Debian's nginx, with the
## committed scripts/nginx/threshold.conf; serves until Ctrl-C.
behind-proxy: setup
	@bash scripts/behind-proxy.sh

## Scripted password guessing against a release server (SECURITY.md).
attack: setup
	@bash scripts/attack.sh
