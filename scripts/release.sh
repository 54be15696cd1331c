#!/usr/bin/env bash
# Builds the release archives of the `catalog` kubectl/oc plugin and writes its
# krew manifest (krew-manifest.yaml) with each archive's URI and sha256.
#
# Each archive (oc-catalog-<version>-<rust target>.tar.gz) holds, at its top:
#   kubectl-catalog            the binary (krew links it as `bin`; `oc catalog`
#                              finds kubectl-* plugins too)
#   kubectl_complete-catalog   the completion helper kubectl >= 1.26 runs
#   LICENSE
# The tar is reproducible: names sorted, owner 0:0, fixed modes, mtime from
# SOURCE_DATE_EPOCH (default: the HEAD commit's time), gzip without a name or
# time stamp.
#
# krew platforms and the Rust targets that serve them:
#   linux/amd64   x86_64-unknown-linux-gnu     linux/arm64   aarch64-unknown-linux-gnu
#   darwin/amd64  x86_64-apple-darwin          darwin/arm64  aarch64-apple-darwin
# The host's target is built here (cargo build --release). Another target is
# either given as an archive built elsewhere (--archive TARGET=FILE: its
# sha256 is computed from the file) or, with --cross, built here when its
# Rust standard library and a linker are installed (aarch64-linux-gnu-gcc for
# linux/arm64; cargo-zigbuild for darwin, which also needs Apple's SDK:
# SDKROOT). A platform with none of these is an error, and nothing is written,
# unless --skip leaves it out of the manifest.
#
# Usage:
#   scripts/release.sh [--version vX.Y.Z] [--base-url URL] [--out DIR]
#                      [--manifest FILE] [--archive TARGET=FILE]... [--cross]
#                      [--binary FILE] [--only TARGET]... [--skip TARGET]...
#                      [--no-manifest]
#   --version   plugin version (default: v + the workspace version)
#   --base-url  where the archives are published (default: the GitHub release
#               download URL of the version); each uri is BASE/ARCHIVE
#   --out       directory for the archives (default: target/dist)
#   --manifest  the manifest to write (default: OUT/krew-manifest.yaml; the
#               repository's copy is krew-manifest.yaml at its root)
#   --binary    pack this already-built host binary instead of building one
#   --only      build only these targets' archives (a CI job per platform);
#               implies --no-manifest
#   --skip      leave this target's platform out of the manifest (krew then
#               does not offer the plugin there)
#   --no-manifest  build the archives, write no manifest
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

die() {
  echo "release.sh: error: $*" >&2
  exit 2
}

TARGETS=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin)
platform_of() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo "linux amd64" ;;
    aarch64-unknown-linux-gnu) echo "linux arm64" ;;
    x86_64-apple-darwin) echo "darwin amd64" ;;
    aarch64-apple-darwin) echo "darwin arm64" ;;
    *) return 1 ;;
  esac
}

workspace_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
VERSION="v$workspace_version"
BASE_URL=""
OUT="target/dist"
MANIFEST=""
BINARY=""
CROSS=0
WRITE_MANIFEST=1
declare -A GIVEN=()
ONLY=()
declare -A SKIP=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION=${2:?--version needs a value}; shift 2 ;;
    --base-url) BASE_URL=${2:?--base-url needs a value}; shift 2 ;;
    --out) OUT=${2:?--out needs a value}; shift 2 ;;
    --manifest) MANIFEST=${2:?--manifest needs a value}; shift 2 ;;
    --binary) BINARY=${2:?--binary needs a value}; shift 2 ;;
    --cross) CROSS=1; shift ;;
    --no-manifest) WRITE_MANIFEST=0; shift ;;
    --skip)
      t=${2:?--skip needs a target}
      platform_of "$t" >/dev/null || die "--skip: unknown target '$t' (one of: ${TARGETS[*]})"
      SKIP[$t]=1
      shift 2
      ;;
    --only) ONLY+=("${2:?--only needs a target}"); WRITE_MANIFEST=0; shift 2 ;;
    --archive)
      spec=${2:?--archive needs TARGET=FILE}
      t=${spec%%=*}
      f=${spec#*=}
      [ "$t" != "$spec" ] && [ -n "$f" ] || die "--archive wants TARGET=FILE, got '$spec'"
      platform_of "$t" >/dev/null || die "--archive: unknown target '$t' (one of: ${TARGETS[*]})"
      [ -f "$f" ] || die "--archive $t: no such file: $f"
      GIVEN[$t]=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
      shift 2
      ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ "$VERSION" =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]] ||
  die "version '$VERSION' is not semver with a v prefix (krew requires e.g. v1.2.3)"
[ -n "$BASE_URL" ] || BASE_URL="https://github.com/oc-catalog/oc-catalog/releases/download/$VERSION"
[[ "$BASE_URL" == https://* ]] || die "--base-url must be https:// (krew downloads over https): $BASE_URL"
BASE_URL=${BASE_URL%/}
[ -n "$MANIFEST" ] || MANIFEST="$OUT/krew-manifest.yaml"
for t in "${ONLY[@]}"; do
  platform_of "$t" >/dev/null || die "--only: unknown target '$t' (one of: ${TARGETS[*]})"
done
for tool in tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed (reproducible archives: --sort, --mtime)"

HOST=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p') || true
[ -n "$HOST" ] || HOST=unknown
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

archive_name() { echo "oc-catalog-$VERSION-$1.tar.gz"; }

# The binary for target $1, built here; prints its path.
build_binary() {
  local t=$1
  if [ "$t" = "$HOST" ]; then
    if [ -n "$BINARY" ]; then
      [ -x "$BINARY" ] || die "--binary $BINARY is not an executable file"
      echo "$BINARY"
      return
    fi
    echo "building oc-catalog for $t (cargo build --release)" >&2
    cargo build --release --locked -p oc-catalog >&2
    echo "${CARGO_TARGET_DIR:-$ROOT/target}/release/oc-catalog"
    return
  elif [ "$CROSS" = 1 ]; then
    rustup target list --installed 2>/dev/null | grep -qx "$t" ||
      die "cannot build $t: its Rust standard library is not installed (rustup target add $t), or pass --archive $t=FILE"
    case "$t" in
      *-apple-darwin)
        command -v cargo-zigbuild >/dev/null 2>&1 ||
          die "cannot build $t here: cross-linking for macOS needs cargo-zigbuild and zig (pip install cargo-zigbuild ziglang), or pass --archive $t=FILE"
        [ -n "${SDKROOT:-}" ] || command -v xcrun >/dev/null 2>&1 ||
          die "cannot build $t here: linking needs Apple's SDK (frameworks Security, CoreFoundation): set SDKROOT to a MacOSX.sdk, build on macOS, or pass --archive $t=FILE"
        echo "building oc-catalog for $t (cargo zigbuild --release)" >&2
        cargo zigbuild --release --locked -p oc-catalog --target "$t" >&2
        ;;
      aarch64-unknown-linux-gnu)
        command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 ||
          die "cannot build $t here: no aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu), or pass --archive $t=FILE"
        echo "building oc-catalog for $t (cargo build --release, linker aarch64-linux-gnu-gcc)" >&2
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
          CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
          AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
          cargo build --release --locked -p oc-catalog --target "$t" >&2
        ;;
      *) die "cannot build $t here" ;;
    esac
  else
    die "no archive for $t ($(platform_of "$t" | tr ' ' /)): this machine builds only $HOST. Build it on such a machine (scripts/release.sh --only $t) and pass --archive $t=FILE, or try --cross"
  fi
  local target_dir=${CARGO_TARGET_DIR:-$ROOT/target}
  echo "$target_dir/$t/release/oc-catalog"
}

# Pack the binary $2 for target $1 into OUT; prints the archive path.
pack() {
  local t=$1 bin=$2 stage="$WORK/$1" tmp
  mkdir -p "$stage"
  cp "$bin" "$stage/kubectl-catalog"
  cp plugin/completion/kubectl_complete-catalog "$stage/kubectl_complete-catalog"
  cp LICENSE "$stage/LICENSE"
  chmod 0755 "$stage/kubectl-catalog" "$stage/kubectl_complete-catalog"
  chmod 0644 "$stage/LICENSE"
  tmp=$(mktemp "$OUT/.archive.XXXXXX")
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --format=ustar \
    --mtime="@$SOURCE_DATE_EPOCH" -cf - LICENSE kubectl-catalog kubectl_complete-catalog |
    gzip -6n >"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$OUT/$(archive_name "$t")"
  echo "$OUT/$(archive_name "$t")"
}

# Check every platform has a source before building anything; then build.
if [ ${#ONLY[@]} -gt 0 ]; then
  wanted=("${ONLY[@]}")
else
  wanted=()
  for t in "${TARGETS[@]}"; do
    [ -n "${SKIP[$t]:-}" ] && echo "skipped $t ($(platform_of "$t" | tr ' ' /)): krew will not offer the plugin there" >&2 && continue
    wanted+=("$t")
  done
  [ ${#wanted[@]} -gt 0 ] || die "every platform skipped"
fi
for t in "${wanted[@]}"; do
  if [ -n "${GIVEN[$t]:-}" ]; then
    f=${GIVEN[$t]}
    tar -tzf "$f" >"$WORK/list" 2>/dev/null || die "--archive $t: $f is not a tar.gz archive"
    for need in kubectl-catalog LICENSE; do
      grep -qx "\(\./\)\?$need" "$WORK/list" || die "--archive $t: $f has no $need at its top"
    done
  fi
done
for t in "${wanted[@]}"; do
  if [ -z "${GIVEN[$t]:-}" ] && [ "$t" != "$HOST" ] && [ "$CROSS" != 1 ]; then
    die "no archive for $t ($(platform_of "$t" | tr ' ' /)): this machine builds only $HOST. Build it on such a machine (scripts/release.sh --only $t) and pass --archive $t=FILE, or try --cross, or leave it out with --skip $t"
  fi
done
declare -A ARCHIVE=()
for t in "${wanted[@]}"; do
  if [ -n "${GIVEN[$t]:-}" ]; then
    f=${GIVEN[$t]}
    if [ "$(dirname "$f")" != "$OUT" ] || [ "$(basename "$f")" != "$(archive_name "$t")" ]; then
      cp "$f" "$OUT/$(archive_name "$t")"
    fi
    ARCHIVE[$t]="$OUT/$(archive_name "$t")"
  else
    bin=$(build_binary "$t")
    [ -x "$bin" ] || die "the build of $t left no binary at $bin"
    ARCHIVE[$t]=$(pack "$t" "$bin")
  fi
  echo "archive $t: ${ARCHIVE[$t]}"
done

[ "$WRITE_MANIFEST" = 1 ] || exit 0

platform_yaml() {
  local t=$1 os arch sum
  read -r os arch < <(platform_of "$t")
  sum=$(sha256sum "${ARCHIVE[$t]}" | cut -d' ' -f1)
  cat <<EOF
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $BASE_URL/$(archive_name "$t")
    sha256: $sum
    bin: kubectl-catalog
    files:
      - from: kubectl-catalog
        to: .
      - from: kubectl_complete-catalog
        to: .
      - from: LICENSE
        to: .
EOF
}

mkdir -p "$(dirname "$MANIFEST")"
tmp=$(mktemp "$(dirname "$MANIFEST")/.krew-manifest.XXXXXX")
{
  cat <<EOF
# Generated by scripts/release.sh for $VERSION: do not edit by hand.
# For krew-index, copy it to plugins/catalog.yaml (the file name must be the plugin name).
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: catalog
spec:
  version: $VERSION
  homepage: https://github.com/oc-catalog/oc-catalog
  shortDescription: Author, validate, build, mirror and apply OLM operator catalogs
  description: |
    One plugin for the whole life of an OLM operator catalog (file-based
    catalog, FBC) in a disconnected OpenShift or Kubernetes cluster:
    author it (render, init, template, add, migrate from sqlite), validate it
    as opm does but reporting every problem at once with file:line:column,
    build its image with no container daemon, mirror it and its images
    across an air gap (registry, OCI layout or tar archives), apply it to the
    cluster (CatalogSource, mirror sets, pull secret, OperatorHub) and tell
    why a catalog is not ready (status, apply --wait).
    Works as \`kubectl catalog\` and as \`oc catalog\`.
  caveats: |
    Usage: kubectl catalog --help   (oc also finds it: oc catalog --help)

    Completion of \`kubectl catalog ...\` (kubectl 1.26 and later) needs
    kubectl_complete-catalog on your PATH too; krew links only the plugin:
      cd "\${KREW_ROOT:-\$HOME/.krew}/bin" &&
        ln -s ../store/catalog/$VERSION/kubectl_complete-catalog .

    Registry commands read podman's or docker's auth file; cluster commands
    read your kubeconfig as kubectl does (see --help).
  platforms:
EOF
  for t in "${wanted[@]}"; do
    platform_yaml "$t"
  done
} >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$MANIFEST"
echo "manifest: $MANIFEST"
