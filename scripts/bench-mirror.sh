#!/usr/bin/env bash
# Benchmark of `oc-catalog mirror` against `skopeo sync --all` (a benchmark, not
# a test: it never fails on a figure). On loopback, side by side in one run:
#
#   1. generate N images (default 48) of two layers of S MiB each (default 16),
#      the first layer shared by all of them (N+1 unique layers, ~785 MB for
#      the defaults), one repository per image, in a source docker-registry;
#   2. the disk floor: `cp -r` of the source registry's storage;
#   3. `skopeo sync --all` of the set into a fresh registry: cold, then rerun;
#   4. `oc-catalog mirror --mapping` of the same set into another fresh
#      registry: cold, then rerun (0 bytes to send);
#   5. mirror to disk (file://DIR: layout + tar chunks) then disk to mirror
#      into a third fresh registry, against m2m.
#
# Prints wall time, MB/s, peak RSS (/usr/bin/time -v) of each, and the ratios.
# Uses the release build. Everything lives in a temporary directory removed at
# the end (about 7x the set size on disk at the peak).
#
# Usage: scripts/bench-mirror.sh [--images N] [--layer-mib S] [--keep]
# Environment: BENCH_NO_BUILD=1 uses the release binary already built.
set -euo pipefail

images=48
mib=16
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images="$2"; shift 2 ;;
    --layer-mib) mib="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench-mirror: unknown argument $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
for t in docker-registry skopeo python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench-mirror: $t is missing (apt-get install docker-registry skopeo time)" >&2; exit 2; }
done
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  echo "== building the release binary"
  (cd "$repo" && cargo build --release -q -p oc-catalog)
fi
bin="${CARGO_TARGET_DIR:-$repo/target}/release/oc-catalog"

work=$(mktemp -d /tmp/bench-mirror.XXXXXX)
# Registry pids go to a file: start_registry runs in a command substitution
# (a subshell), where appending to an array of this shell is lost and every
# registry outlived the script.
cleanup() {
  if [[ -f $work/pids ]]; then
    while read -r p; do kill "$p" 2>/dev/null || true; done < "$work/pids"
  fi
  wait 2>/dev/null || true
  if [[ $keep == 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_registry NAME -> prints host:port
start_registry() {
  local name=$1 port
  port=$(free_port)
  cat > "$work/$name.yml" <<EOF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $work/$name-data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port, secret: s-$name }
EOF
  docker-registry serve "$work/$name.yml" > "$work/$name.log" 2>&1 &
  echo $! >> "$work/pids"
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "127.0.0.1:$port"
}

# measure LABEL CMD... : wall seconds and peak RSS (KiB) into $wall and $rss
measure() {
  local label=$1; shift
  sync
  /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/$label.out" 2> "$work/$label.err" || {
    echo "bench-mirror: $label failed:" >&2; tail -5 "$work/$label.err" >&2; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
}

echo "== generating $images images of two ${mib} MiB layers (one shared) in an OCI layout"
python3 - "$work/gen" "$images" "$mib" <<'EOF'
import hashlib, json, os, sys
out, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{out}/blobs/sha256")
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f: f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
shared = blob(os.urandom(mib << 20))
entries = []
for i in range(n):
    u = blob(os.urandom(mib << 20))
    layers = [dict(l, mediaType="application/vnd.oci.image.layer.v1.tar+gzip") for l in (shared, u)]
    cfg = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"i": str(i)}},
                           "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode())
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    m = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                         "config": cfg, "layers": layers}).encode())
    m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    m["annotations"] = {"org.opencontainers.image.ref.name": f"bench/img{i}:v1"}
    entries.append(m)
json.dump({"schemaVersion": 2, "manifests": entries}, open(f"{out}/index.json", "w"))
EOF
src=$(start_registry src)
"$bin" mirror --tls-verify=false --progress=plain --from "oci:$work/gen" "docker://$src" > /dev/null 2>&1
rm -rf "$work/gen"
bytes=$(du -sb "$work/src-data" | cut -f1)
mb() { python3 -c "print(f'{$1/1e6:.0f}')"; }
echo "   source registry $src: $(mb "$bytes") MB in its storage"

# skopeo sync source list and our mapping
{
  echo "$src:"
  echo "  tls-verify: false"
  echo "  images:"
  for i in $(seq 0 $((images - 1))); do echo "    bench/img$i: [\"v1\"]"; done
} > "$work/sync.yaml"

echo "== disk floor: cp -r of the source storage"
measure cp cp -r "$work/src-data" "$work/cp-copy"
cp_wall=$wall
rm -rf "$work/cp-copy"

echo "== skopeo sync --all (cold, then rerun)"
sk=$(start_registry skopeo-dst)
measure skopeo-cold skopeo sync --all --src yaml --dest docker --dest-tls-verify=false "$work/sync.yaml" "$sk"
sk_cold=$wall; sk_cold_rss=$rss
measure skopeo-rerun skopeo sync --all --src yaml --dest docker --dest-tls-verify=false "$work/sync.yaml" "$sk"
sk_rerun=$wall; sk_rerun_rss=$rss

echo "== oc-catalog mirror --mapping (cold, then rerun)"
oc=$(start_registry oc-dst)
for i in $(seq 0 $((images - 1))); do echo "$src/bench/img$i:v1=$oc/bench/img$i:v1"; done > "$work/mapping.txt"
measure oc-cold "$bin" mirror --tls-verify=false --progress=plain --workdir "$work/w" --mapping "$work/mapping.txt"
oc_cold=$wall; oc_cold_rss=$rss
grep -E '^(images|blobs|time):' "$work/oc-cold.out" | sed 's/^/   /'
measure oc-rerun "$bin" mirror --tls-verify=false --progress=plain --workdir "$work/w" --mapping "$work/mapping.txt"
oc_rerun=$wall; oc_rerun_rss=$rss
grep -E '^blobs:' "$work/oc-rerun.out" | sed 's/^/   rerun /'
# Every manifest identical to the source's (spot check of the first and last image).
for i in 0 $((images - 1)); do
  a=$(skopeo inspect --raw --tls-verify=false "docker://$src/bench/img$i:v1" | sha256sum)
  b=$(skopeo inspect --raw --tls-verify=false "docker://$oc/bench/img$i:v1" | sha256sum)
  [[ $a == "$b" ]] || { echo "bench-mirror: img$i differs at the destination" >&2; exit 1; }
done
rm -rf "$work/skopeo-dst-data"

echo "== mirror to disk, then disk to mirror"
measure m2d "$bin" mirror --tls-verify=false --progress=plain --workdir "$work/w" --mapping "$work/mapping.txt" "file://$work/archive"
m2d=$wall; m2d_rss=$rss
rm -rf "$work/archive/oci" "$work/archive/.history"
d2=$(start_registry d2m-dst)
measure d2m "$bin" mirror --tls-verify=false --progress=plain --workdir "$work/w" --from "file://$work/archive" "docker://$d2"
d2m=$wall; d2m_rss=$rss
# The push's own time (the run's "time:" line); the rest is unpacking and verifying.
d2m_push=$(sed -n 's/^time: \([0-9.]*\) s.*/\1/p' "$work/d2m.out")

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
rate() { python3 -c "print(f'{$bytes/1e6/$1:.0f}')"; }
kib2mib() { python3 -c "print(f'{$1/1024:.0f}')"; }
echo
echo "set: $images images, $((images + 1)) unique layers of $mib MiB, $(mb "$bytes") MB; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %9s %9s %10s\n' "" "wall s" "MB/s" "peak MiB"
printf '%-34s %9s %9s %10s\n' "cp -r of the source storage" "$cp_wall" "$(rate "$cp_wall")" "-"
printf '%-34s %9s %9s %10s\n' "skopeo sync --all, cold" "$sk_cold" "$(rate "$sk_cold")" "$(kib2mib "$sk_cold_rss")"
printf '%-34s %9s %9s %10s\n' "skopeo sync --all, rerun" "$sk_rerun" "-" "$(kib2mib "$sk_rerun_rss")"
printf '%-34s %9s %9s %10s\n' "oc-catalog mirror, cold" "$oc_cold" "$(rate "$oc_cold")" "$(kib2mib "$oc_cold_rss")"
printf '%-34s %9s %9s %10s\n' "oc-catalog mirror, rerun" "$oc_rerun" "-" "$(kib2mib "$oc_rerun_rss")"
printf '%-34s %9s %9s %10s\n' "oc-catalog mirror to disk (m2d)" "$m2d" "$(rate "$m2d")" "$(kib2mib "$m2d_rss")"
printf '%-34s %9s %9s %10s\n' "oc-catalog disk to mirror (d2m)" "$d2m" "$(rate "$d2m")" "$(kib2mib "$d2m_rss")"
echo
echo "cold: skopeo / oc-catalog = $(ratio "$sk_cold" "$oc_cold")x (target >= 2.5x)"
echo "rerun: skopeo / oc-catalog = $(ratio "$sk_rerun" "$oc_rerun")x (target >= 1x, 0 bytes sent)"
echo "cold oc-catalog / cp -r floor = $(ratio "$oc_cold" "$cp_wall")x"
echo "d2m split: unpack + verify $(python3 -c "print(f'{$d2m-$d2m_push:.2f}')") s, push $d2m_push s"
echo "m2d + d2m / m2m = $(python3 -c "print(f'{($m2d+$d2m)/$oc_cold:.2f}')")x (target <= 2x)"
echo "peak RSS oc-catalog: $(kib2mib "$oc_cold_rss") MiB cold (target <= 64 MiB)"
