#!/usr/bin/env bash
# Builds wasm/pkg/: fbc-wasm compiled to WebAssembly with its JS glue (an ES
# module, `wasm-bindgen --target web`), used by the web demo and by the Node
# pre-commit hook. wasm/pkg/ is committed so that the Node hook needs no Rust
# toolchain; scripts/test.sh rebuilds it and fails if the committed copy is
# stale.
#
# Reproducible: same sources + Cargo.lock + rustc + wasm-bindgen give the same
# bytes wherever the repository and CARGO_HOME are (paths are remapped;
# the wasm-release profile has no debug info). wasm/pkg/BUILD-INFO records
# the toolchain. No wasm-opt: it saves ~11% (823 → 730 kB) for ~30 s per
# build, and Debian's binaryen 108 breaks wasm-bindgen 0.2.130 output.
#
# Usage: wasm/build.sh [OUT_DIR]      (default: wasm/pkg)
# Needs: the wasm32-unknown-unknown target (installed with rustup when
# missing) and wasm-bindgen-cli at the version wasm/Cargo.toml pins:
#   cargo install wasm-bindgen-cli --version 0.2.130
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# Must equal the `wasm-bindgen = "=…"` pin in wasm/Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130
grep -q "^wasm-bindgen = \"=$WASM_BINDGEN_VERSION\"" wasm/Cargo.toml || {
  echo "wasm/build.sh: WASM_BINDGEN_VERSION ($WASM_BINDGEN_VERSION) differs from the pin in wasm/Cargo.toml" >&2
  exit 2
}

out=${1:-wasm/pkg}
case $out in /*) ;; *) out=$repo/$out ;; esac

have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$WASM_BINDGEN_VERSION" ]; then
  echo "wasm/build.sh: needs wasm-bindgen $WASM_BINDGEN_VERSION (found: ${have:-none});" \
    "install it with: cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION" >&2
  exit 2
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
fi

cargo_home=${CARGO_HOME:-$HOME/.cargo}
# Own target dir: these RUSTFLAGS would otherwise invalidate the usual builds.
export CARGO_TARGET_DIR=$repo/target/wasm-pkg
export RUSTFLAGS="--remap-path-prefix=$repo=/oc-catalog --remap-path-prefix=$cargo_home=/cargo"
cargo build --locked -p fbc-wasm --target wasm32-unknown-unknown --profile wasm-release

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --out-dir "$tmp" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/fbc_wasm.wasm"
{
  echo "# How wasm/pkg was built (wasm/build.sh); a different toolchain gives different bytes."
  echo "rustc: $(rustc -V | awk '{print $2}')"
  echo "wasm-bindgen: $WASM_BINDGEN_VERSION"
} >"$tmp/BUILD-INFO"

mkdir -p "$out"
rm -f "$out"/fbc_wasm*
cp "$tmp"/* "$out"/
echo "wasm/build.sh: wrote $out ($(wc -c <"$out/fbc_wasm_bg.wasm") bytes of wasm)"
