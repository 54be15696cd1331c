#!/usr/bin/env bash
# Benchmark of the mirror archives (a benchmark, not a test: it never fails on a
# figure). Builds the release driver (plugin/examples/archive.rs, the library
# calls `oc catalog mirror` makes), generates an OCI layout like the issue's set
# (48 images of two 16 MiB layers, one layer shared by all: 49 distinct layers,
# ~785 MiB), then measures side by side on the same machine and the same warm
# page cache:
#
#   pack    our pack (--full, one chunk)  vs  GNU tar -cf of the layout + fsync,
#           and cp -r of the layout + sync (the copy floor)
#   rerun   our pack with nothing new (history)
#   unpack  our unpack (every blob hashed) into a fresh layout  vs  tar -xf + sync,
#           and tar -xf + sha256sum of every blob (the same verification, in two passes)
#
# It prints wall time (median of --runs), MB/s, peak RSS (/usr/bin/time -v) and
# the ratios. Usage: scripts/bench-archive.sh [--runs N] [--images N] [--layer-mib N]
set -euo pipefail

runs=3
images=48
layer_mib=16
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --layer-mib) layer_mib="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench-archive: unknown argument $1" >&2; exit 2 ;;
  esac
done

for tool in python3 /usr/bin/time tar sha256sum; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-archive: skipped: $tool is required" >&2
    exit 0
  fi
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --quiet --release -p oc-catalog --example archive)
bin="$target/release/examples/archive"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-archive.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "generating $images images of two $layer_mib MiB layers (one shared) in $work/src/oci ..."
python3 - "$work/src/oci" "$images" "$layer_mib" <<'PY'
import hashlib, json, os, sys
out, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
shared = put(os.urandom(mib << 20))
manifests = []
for i in range(n):
    own = put(os.urandom(mib << 20))
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [shared[0], own[0]]},
                      "config": {"Labels": {"n": str(i)}}}).encode()
    c = put(cfg)
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c[0], "size": c[1]},
                    "layers": [{"mediaType": LAYER, "digest": d, "size": s} for d, s in (shared, own)]}).encode()
    md = put(m)
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md[0], "size": md[1],
                      "annotations": {"org.opencontainers.image.ref.name": f"img{i:03d}"}})
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": manifests}, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
PY
bytes=$(du -sb "$work/src/oci" | cut -f1)
echo "layout: $(( bytes / 1000000 )) MB in $(ls "$work/src/oci/blobs/sha256" | wc -l) blobs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# measure LABEL SETUP CMD: runs SETUP (untimed) then CMD under /usr/bin/time, $runs times;
# sets WALL (median seconds) and PEAK (max KiB).
measure() {
  local label="$1" setup="$2" cmd="$3" walls=() peak=0
  for ((r = 0; r < runs; r++)); do
    bash -c "$setup"
    /usr/bin/time -f "%e %M" -o "$work/time" bash -c "$cmd" >"$work/out" 2>"$work/err" || {
      echo "$label failed:"; cat "$work/err"; exit 1; }
    read -r w m <"$work/time"
    walls+=("$w")
    (( m > peak )) && peak=$m
  done
  WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  PEAK=$peak
  printf '%-44s %7.2f s %8.0f MB/s %7.1f MiB peak\n' "$label" "$WALL" \
    "$(echo "$bytes / $WALL / 1000000" | bc -l)" "$(echo "$PEAK / 1024" | bc -l)"
}

src="$work/src"
measure "floor: cp -r layout + sync" "rm -rf '$work/cp'" "cp -r '$src/oci' '$work/cp' && sync -f '$work/cp'"
floor=$WALL
measure "peer: tar -cf layout + fsync" "rm -f '$work/peer.tar'" "tar -cf '$work/peer.tar' -C '$src' oci && sync '$work/peer.tar'"
peer_pack=$WALL
measure "oc-catalog pack (full, 1 chunk)" "rm -f '$src'/mirror_*.tar" "'$bin' pack '$src' --full"
ours_pack=$WALL; ours_pack_peak=$PEAK
grep -h archived "$work/out" | cut -c1-160
measure "oc-catalog pack, rerun, nothing new" "true" "'$bin' pack '$src'"
grep -h archived "$work/out" | cut -c1-160
measure "oc-catalog pack (full, 100 MiB chunks)" "rm -f '$src'/mirror_*.tar" "'$bin' pack '$src' --full --archive-size-mib 100"
"$bin" pack "$src" --full >/dev/null 2>&1
echo
measure "peer: tar -xf + sync" "rm -rf '$work/x' && mkdir '$work/x'" "tar -xf '$src/mirror_000001.tar' -C '$work/x' && sync -f '$work/x'"
peer_unpack=$WALL
measure "peer: tar -xf + sha256sum every blob" "rm -rf '$work/x' && mkdir '$work/x'" "tar -xf '$src/mirror_000001.tar' -C '$work/x' && sha256sum '$work/x'/oci/blobs/sha256/* >/dev/null && sync -f '$work/x'"
peer_verify=$WALL
measure "oc-catalog unpack (verified)" "rm -rf '$work/d' && mkdir '$work/d' && cp '$src/mirror_000001.tar' '$work/d/' && sync -f '$work/d'" "'$bin' unpack '$work/d'"
ours_unpack=$WALL; ours_unpack_peak=$PEAK
grep -h applied "$work/out" | cut -c1-160
echo
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
echo "pack:   $(ratio "$ours_pack" "$floor")x the cp -r floor, $(ratio "$peer_pack" "$ours_pack")x faster than tar -cf; peak $(( ours_pack_peak / 1024 )) MiB"
echo "unpack: $(ratio "$peer_verify" "$ours_unpack")x faster than tar -xf + sha256sum, $(ratio "$ours_unpack" "$peer_unpack")x the time of an unverified tar -xf; peak $(( ours_unpack_peak / 1024 )) MiB"
