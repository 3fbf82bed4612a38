#!/usr/bin/env bash
# Brings a machine to a working Threshold toolchain, once and idempotently.
#
# Two kinds of machine are handled:
#  * normal internet: rustup can add the wasm32 target and cargo-leptos can be
#    installed as usual;
#  * registries only (crates.io, Debian, npm): rustup cannot download the wasm32
#    standard library, so we use Debian's "web" Rust toolchain (1.96), build the
#    wasm32 std from its shipped source once, and install cargo-leptos with
#    `no_downloads` so it finds wasm-bindgen and wasm-opt on PATH.
#
# Quiet when everything is present. Prints what it does otherwise, and fails
# naming the missing piece. Source scripts/env.sh afterwards for the PATH.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"

CARGO_LEPTOS_VERSION=0.3.11
say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31msetup: %s\033[0m\n' "$*" >&2; exit 1; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "need Debian packages ${missing[*]} but apt-get is not available"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]} (a few minutes)"
  if [ $apt_updated -eq 0 ]; then
    $sudo apt-get update -q >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# rustup is used only when its toolchain is new enough for cargo-leptos
# (rustc >= 1.96) and can add the wasm32 target; otherwise Debian's toolchain.
rustup_is_enough() {
  command -v rustup >/dev/null || return 1
  local minor
  minor=$("$HOME/.cargo/bin/rustc" --version 2>/dev/null | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
  [ -n "$minor" ] && [ "$minor" -ge 96 ] || return 1
  rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' && return 0
  say "adding the wasm32-unknown-unknown target with rustup"
  timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1
}

debian_web_toolchain() {
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy lld-22
  # rust-web-llvm links /usr/bin/rust-lld to lld-22 without depending on it.
  local sysroot=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! ls "$sysroot"/libstd-*.rlib >/dev/null 2>&1; then
    say "building the wasm32 standard library from Debian's rust-web-src (about 2 minutes, once per machine)"
    local scratch
    scratch=$(mktemp -d)
    mkdir -p "$scratch/src"
    printf '[package]\nname = "wasm_std_scratch"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[profile.release]\npanic = "abort"\n' > "$scratch/Cargo.toml"
    : > "$scratch/src/lib.rs"
    (cd "$scratch" && PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -q --release \
        --target-dir "$scratch/target" --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort) \
      || die "building the wasm32 std failed (is rust-web-src installed?)"
    mkdir -p "$sysroot"
    find "$scratch/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' \
      ! -name 'libwasm_std_scratch*' -exec cp {} "$sysroot/" \;
    rm -rf "$scratch"
  fi
}

# 1. A Rust toolchain that can build for wasm32.
if [ -x /usr/bin/cargo ] && ls /usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1; then
  : # Debian web toolchain already prepared
elif rustup_is_enough; then
  :
else
  say "rustup has no rustc >= 1.96 with wasm32 here: using Debian's rustc-web toolchain"
  debian_web_toolchain
fi
source "$here/env.sh"  # again: step 1 may have made the Debian toolchain usable
command -v cargo >/dev/null || die "no cargo on PATH"

# 2. Helper programs: Chromium for the browser tests, PostgreSQL for the
#    PostgreSQL suites, nginx for the test behind a real reverse proxy;
#    OpenSSL's headers for webauthn-rs (passkeys), found by pkg-config.
#    (wasm-opt comes with the npm packages, step 5.)
apt_install chromium postgresql nginx libssl-dev pkg-config

# 3. cargo-leptos. Built with no_downloads everywhere: it then takes
#    wasm-bindgen and wasm-opt from PATH, which works on both kinds of machine.
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once per machine)"
  cargo install -q cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
    || die "cargo install cargo-leptos failed"
fi

# 4. wasm-bindgen-cli at exactly the version Cargo.lock pins.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock")
[ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
  say "installing wasm-bindgen-cli $want (about 3 minutes)"
  cargo install -q wasm-bindgen-cli --version "$want" --locked --force \
    || die "cargo install wasm-bindgen-cli $want failed"
fi

# 5. The npm packages, from the committed lock file: the end-to-end suite's
#    and wasm-opt (binaryen) for release builds.
if [ ! -d "$root/end2end/node_modules/playwright-core" ] \
   || [ ! -x "$root/end2end/node_modules/binaryen/bin/wasm-opt" ] \
   || [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing the npm packages (end2end/)"
  (cd "$root/end2end" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in end2end failed"
fi
