#!/usr/bin/env bash
# Runs every test of oc-catalog. Installs what the tests need when missing
# (the wasm32 target), then: formatting, clippy, the wasm32 build of the core,
# and the whole test suite (unit, conformance, schema, CLI end-to-end).
#
# Usage: ./scripts/test.sh            (from anywhere)
# CI runs this same script through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust with rustup (https://rustup.rs) first" >&2
  exit 2
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
fi
cargo --version

step "registry test tools (docker-registry, skopeo, umoci, htpasswd)"
missing=""
for t in docker-registry skopeo umoci htpasswd openssl; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y docker-registry skopeo umoci apache2-utils openssl
  else
    echo "note: missing$missing and cannot apt-get install them: the registry tests will skip" >&2
  fi
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "fbc-core builds for wasm32-unknown-unknown"
cargo build -p fbc-core --target wasm32-unknown-unknown

if [ -d ../shared/corpus ]; then
  echo "note: ../shared is present: the conformance and schema tests also check its real catalogs"
else
  echo "note: ../shared is absent: corpus-wide checks are skipped (the repository's own fixtures still run)"
fi

step "cargo test (workspace)"
cargo test --workspace
