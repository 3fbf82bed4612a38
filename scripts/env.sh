# Sourced by the Makefile and scripts: puts the toolchain that can build wasm32
# first on PATH. Debian's rustc-web lives in /usr/bin and must win over
# rustup's proxies in ~/.cargo/bin when it is the one with the wasm32 std.
if [ -x /usr/bin/cargo ] && ls /usr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib >/dev/null 2>&1; then
  export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"
else
  export PATH="$HOME/.cargo/bin:$PATH"
fi
