#!/usr/bin/env bash
# Runs every test of oc-catalog. Installs what the tests need when missing
# (the wasm32 target, the registry tools, Chromium and chromedriver,
# wasm-bindgen-cli at the pinned version, the web demo's node modules,
# pre-commit), then: formatting, clippy, the wasm32 build of the core, the
# whole test suite (unit, conformance, schema, CLI end-to-end), the
# WebAssembly API in Node and Chromium, the committed wasm/pkg against a
# rebuild, the web demo end to end (and its benchmark, printed), and the
# pre-commit hooks with the real pre-commit.
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

step "registry test tools (docker-registry, skopeo, umoci, htpasswd; buildah + busybox for the reference build)"
missing=""
for t in docker-registry skopeo umoci htpasswd openssl buildah; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /bin/busybox ] || missing="$missing busybox-static"
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y docker-registry skopeo umoci apache2-utils openssl buildah busybox-static
  else
    echo "note: missing$missing and cannot apt-get install them: the registry tests will skip" >&2
  fi
fi

step "kubectl (the krew packaging test runs the plugin under it)"
if ! command -v kubectl >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    # Debian's kubectl (1.20: runs plugins, predates plugin completion)
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y kubernetes-client ||
      echo "note: no kubectl: tests/krew.rs skips the kubectl checks" >&2
  else
    echo "note: no kubectl and cannot apt-get install it: tests/krew.rs skips the kubectl checks" >&2
  fi
fi
command -v kubectl >/dev/null 2>&1 && kubectl version --client 2>/dev/null | sed -n 1p  # sed reads it all: head would SIGPIPE kubectl under pipefail

step "browser and JavaScript test tools (chromium, chromedriver, wasm-bindgen, node modules)"
# Must equal the `wasm-bindgen = "=…"` pin in wasm/Cargo.toml (wasm/build.sh checks it).
WASM_BINDGEN_VERSION=0.2.130
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
  else
    echo "missing:$missing (install them: the web demo and wasm browser tests need them)" >&2
    exit 2
  fi
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (from crates.io; takes a few minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ ! -f web-demo/node_modules/.package-lock.json ] ||
  [ web-demo/package-lock.json -nt web-demo/node_modules/.package-lock.json ]; then
  # playwright-core only drives the system Chromium: it never downloads a browser.
  (cd web-demo && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
chromium --version 2>/dev/null | sed -n 1p
echo "node $(node --version), wasm-bindgen $(wasm-bindgen --version | awk '{print $2}')"

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

step "fbc-wasm: the JS API in Node and in headless Chromium (wasm-bindgen-test)"
cargo clippy -p fbc-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test -p fbc-wasm --target wasm32-unknown-unknown --test node
# Browser flags: wasm/webdriver.json.
CHROMEDRIVER=$(command -v chromedriver) cargo test -p fbc-wasm --target wasm32-unknown-unknown --test browser

step "wasm/pkg (committed for the Node pre-commit hook) matches a rebuild"
fresh=$(mktemp -d)
wasm/build.sh "$fresh/pkg"
if ! diff -r wasm/pkg "$fresh/pkg"; then
  echo "wasm/pkg is stale: run wasm/build.sh and commit wasm/pkg (built with: $(rustc -V))" >&2
  rm -rf "$fresh"
  exit 1
fi
rm -rf "$fresh"

step "web demo: build, then end to end in Chromium (screenshots in target/web-demo-e2e)"
web-demo/build.sh
node --test tests/web-demo/

if [ -d ../shared/corpus/fbc/certified-operators-v4.20 ]; then
  step "web demo benchmark (printed, not asserted): certified-operators-v4.20, 18 MB"
  node web-demo/bench.mjs --runs 3 || echo "note: the benchmark did not run" >&2
fi

step "pre-commit hooks (node, rust, system) with the real pre-commit, offline"
tests/pre-commit/run.sh
