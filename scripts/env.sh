# Sourced by the Makefile and scripts: puts the toolchain that can build wasm32
# first on PATH. Debian's rustc-web lives in /usr/bin and must win over
# rustup's proxies in ~/.cargo/bin when it is the one with the wasm32 std.
if [ -x /usr/bin/cargo ] && ls /usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1; then
  export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"
else
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# wasm-opt, which cargo-leptos runs on release bundles, from end2end's npm
# packages (binaryen, pinned there). It goes before /usr/bin on purpose:
# Debian's binaryen 108 produces a bundle that fails at start-up in
# `WebAssembly.Table.grow` (fixed in binaryen 109).
threshold_wasm_opt="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/end2end/node_modules/binaryen/bin"
if [ -x "$threshold_wasm_opt/wasm-opt" ]; then
  export PATH="$threshold_wasm_opt:$PATH"
fi
unset threshold_wasm_opt

# One cargo build directory per machine, outside the checkout: a fresh clone
# (CI clones afresh every run) reuses everything already compiled instead of
# starting cold. Nothing depends on it being there; set CARGO_TARGET_DIR to
# choose another place.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/threshold/target}"

# Every CI run builds in a fresh clone at a new path, so incremental state
# from one run never helps the next; it only fills the disk (tens of GB).
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

# Leptos reads this at compile time and cargo-leptos sets it; setting it for
# plain cargo too keeps `cargo test`/`cargo build` and `cargo leptos build`
# from invalidating each other's compiled leptos crates.
export LEPTOS_OUTPUT_NAME=threshold

# LOCAL ONLY, never commit: several checkouts share one build directory and
# cargo judges their crates fresh by modification time, so make this
# checkout's sources newer than anything built from another checkout.
find "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"/{app,server,frontend,Cargo.toml} -path "*/node_modules" -prune -o -type f -exec touch {} + 2>/dev/null || true
