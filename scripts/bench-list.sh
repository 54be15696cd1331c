#!/usr/bin/env bash
# Benchmark (not a test): `oc catalog list --catalog IMAGE` of the big union
# catalog (../shared/corpus/big/union-catalog, pushed first with `oc catalog
# build --push` to a plain-HTTP docker-registry on loopback started here),
# side by side with peers that must read the same image:
#   - skopeo copy docker://IMAGE oci:DIR + untar of the catalog layer (the
#     catalog's files on disk; nothing parsed),
#   - podman pull (vfs storage: pulls and unpacks the image into its store).
# `list` does more than either: it also parses the 146 MB of FBC and builds
# the package/channel summary.
# Prints, per tool, the median wall time and peak RSS (/usr/bin/time) over
# RUNS runs, throughput (compressed layer MB and catalog MB per second) and
# the ratios peer / oc catalog.
#
# Usage: ./scripts/bench-list.sh [RUNS]     (default 5; SHARED=DIR if not ../shared)
# Needs: docker-registry, skopeo, podman (apt), GNU time (/usr/bin/time),
# a release build (made if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CATALOG=${SHARED:-../shared}/corpus/big/union-catalog
if [ ! -d "$CATALOG" ]; then
  echo "SKIP: $CATALOG not found (../shared is absent); nothing measured"
  exit 0
fi
for t in docker-registry skopeo podman tar /usr/bin/time; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "SKIP: $t not installed (apt-get install docker-registry skopeo podman time); nothing measured"
    exit 0
  fi
done
cargo build --release -p oc-catalog >/dev/null 2>&1 || cargo build --release -p oc-catalog
BIN=$PWD/target/release/oc-catalog

# shellcheck source=scripts/lib/registry.sh
. scripts/lib/registry.sh
bench_workdir
start_registry

REF=$HOST/bench/catalog:v1
"$BIN" build "$CATALOG" --tag "$REF" --push --tls-verify=false >/dev/null
RAW=$(skopeo inspect --raw --tls-verify=false "docker://$REF")
LAYER=$(printf '%s' "$RAW" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["layers"][-1]["digest"])')
LAYER_BYTES=$(printf '%s' "$RAW" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["layers"][-1]["size"])')
CAT_BYTES=$(du -sb "$CATALOG" | cut -f1)
FILES=$(find "$CATALOG" -type f | wc -l)
echo "image: $REF (catalog $(awk -v b="$CAT_BYTES" 'BEGIN{printf "%.1f", b/1e6}') MB in $FILES files; layer $(awk -v b="$LAYER_BYTES" 'BEGIN{printf "%.1f", b/1e6}') MB gzip)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, median"

# One timed run of "$@": appends "wall_s peak_kib" to file $OUT.
timed() {
  /usr/bin/time -f '%e %M' -o "$W/time.txt" "$@" >/dev/null
  cat "$W/time.txt" >>"$OUT"
}
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

skopeo_read() {
  rm -rf "$W/oci" "$W/untar"
  mkdir -p "$W/untar"
  skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$W/oci:v1"
  tar -xzf "$W/oci/blobs/sha256/${LAYER#sha256:}" -C "$W/untar"
}
podman_pull() {
  chmod -R u+w "$W/store" 2>/dev/null || true
  rm -rf "$W/store" "$W/run"
  podman --root "$W/store" --runroot "$W/run" --storage-driver vfs pull -q --tls-verify=false "docker://$REF"
}
export -f skopeo_read podman_pull
export W REF LAYER

# The output must be the real thing: packages with default channels.
"$BIN" list --catalog "$REF" --tls-verify=false >"$W/list.txt"
echo "oc catalog list prints $(wc -l <"$W/list.txt") lines; first: $(head -1 "$W/list.txt")"

for tool in ours skopeo podman; do
  OUT=$W/$tool.times
  : >"$OUT"
  for _ in $(seq "$RUNS"); do
    case $tool in
      ours) timed "$BIN" list --catalog "$REF" --tls-verify=false ;;
      skopeo) timed bash -c skopeo_read ;;
      podman) timed bash -c podman_pull ;;
    esac
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

wall() { cut -d' ' -f1 "$W/$1.times" | median; }
peak() { cut -d' ' -f2 "$W/$1.times" | median | awk '{printf "%.0f", $1/1024}'; }
W_OURS=$(wall ours); W_SK=$(wall skopeo); W_POD=$(wall podman)
echo
printf '%-44s %8s %10s %12s %9s\n' "" "wall s" "layer MB/s" "catalog MB/s" "peak MiB"
row() {
  printf '%-44s %8.2f %10.1f %12.1f %9s\n' "$1" "$2" \
    "$(awk -v b="$LAYER_BYTES" -v t="$2" 'BEGIN{print b/1e6/t}')" \
    "$(awk -v b="$CAT_BYTES" -v t="$2" 'BEGIN{print b/1e6/t}')" "$3"
}
row "oc catalog list --catalog IMAGE" "$W_OURS" "$(peak ours)"
row "skopeo copy to oci: + untar catalog layer" "$W_SK" "$(peak skopeo)"
row "podman pull (vfs)" "$W_POD" "$(peak podman)"
echo
printf 'ratio skopeo+untar / oc catalog list: %.2fx (wall), peak %s / %s MiB\n' \
  "$(awk -v a="$W_SK" -v b="$W_OURS" 'BEGIN{print a/b}')" "$(peak skopeo)" "$(peak ours)"
printf 'ratio podman pull / oc catalog list:  %.2fx (wall), peak %s / %s MiB\n' \
  "$(awk -v a="$W_POD" -v b="$W_OURS" 'BEGIN{print a/b}')" "$(peak podman)" "$(peak ours)"
echo "(peak = the largest single process of the run, as GNU time reports for a shell's children)"
