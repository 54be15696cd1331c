#!/usr/bin/env bash
# Benchmark (not a test): `oc catalog build --push` of the big union catalog
# (../shared/corpus/big/union-catalog) against `podman build` + `podman push`
# of the same Dockerfile (vfs storage, chroot isolation, as this machine
# allows), both into a plain-HTTP docker-registry on loopback started here.
# Prints both wall times and the ratio; also times `render` of the pushed image.
#
# Usage: ./scripts/bench-build.sh [RUNS]     (default 3; the best run counts)
# Needs: docker-registry, podman (apt), a release build (made if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
CATALOG=../shared/corpus/big/union-catalog
if [ ! -d "$CATALOG" ]; then
  echo "SKIP: $CATALOG not found (../shared is absent); nothing measured"
  exit 0
fi
for t in docker-registry podman; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "SKIP: $t not installed (apt-get install docker-registry podman); nothing measured"
    exit 0
  fi
done
cargo build --release -p oc-catalog >/dev/null 2>&1 || cargo build --release -p oc-catalog
BIN=$PWD/target/release/oc-catalog

# shellcheck source=scripts/lib/registry.sh
. scripts/lib/registry.sh
bench_workdir
start_registry

CTX=$(cd "$(dirname "$CATALOG")" && pwd)
NAME=$(basename "$CATALOG")
cat > "$W/Dockerfile" <<EOF
FROM scratch
LABEL operators.operatorframework.io.index.configs.v1=/configs
COPY $NAME /configs
ENTRYPOINT ["/bin/opm"]
CMD ["serve", "/configs"]
EOF
SIZE=$(du -sh "$CATALOG" | cut -f1)
FILES=$(find "$CATALOG" -type f | wc -l)
echo "catalog: $CATALOG ($SIZE, $FILES files); registry: $HOST; best of $RUNS runs"

now() { date +%s.%N; }
best_ours=""; best_podman=""; best_render=""
min() { if [ -z "$1" ]; then echo "$2"; else echo "$1 $2" | awk '{print ($1<$2)?$1:$2}'; fi; }
for i in $(seq "$RUNS"); do
  # A fresh repository each run, so every blob is really uploaded.
  t0=$(now)
  "$BIN" build "$CATALOG" --tag "$HOST/ours/catalog$i:v1" --push --tls-verify=false >/dev/null
  t1=$(now)
  ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
  best_ours=$(min "$best_ours" "$ours")

  rm -rf "$W/store" "$W/run"
  t0=$(now)
  podman --root "$W/store" --runroot "$W/run" --storage-driver vfs build --isolation chroot -q \
    -t "localhost/bench:$i" -f "$W/Dockerfile" "$CTX" >/dev/null
  podman --root "$W/store" --runroot "$W/run" --storage-driver vfs push -q --tls-verify=false \
    "localhost/bench:$i" "docker://$HOST/podman/catalog$i:v1" >/dev/null
  t1=$(now)
  pod=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
  best_podman=$(min "$best_podman" "$pod")

  t0=$(now)
  "$BIN" render "$HOST/ours/catalog$i:v1" --tls-verify=false -o json >/dev/null
  t1=$(now)
  rend=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
  best_render=$(min "$best_render" "$rend")
  printf 'run %d: oc catalog build --push %.2fs | podman build+push %.2fs | oc catalog render IMAGE %.2fs\n' "$i" "$ours" "$pod" "$rend"
done
printf '\nbest: oc catalog build --push %.2fs (validation included), podman build + push %.2fs\n' "$best_ours" "$best_podman"
printf 'ratio podman / oc catalog: %.1fx\n' "$(awk -v a="$best_podman" -v b="$best_ours" 'BEGIN{print a/b}')"
printf 'oc catalog render of the pushed image (pull + parse): %.2fs\n' "$best_render"
