#!/usr/bin/env bash
# Benchmark of `oc-catalog validate` (a benchmark, not a test: it never fails
# on a figure). Builds the release binary, then measures side by side on the
# same input:
#
#   1. the big catalog (../shared/corpus/big/union-catalog): median wall time,
#      MB/s, peak RSS, against opm's recorded figures (EXPECTED.md: the
#      reference opm cannot run here, so its figures are quoted, not re-measured)
#      and against the floor of simply reading every file;
#   2. every catalog of ../shared/corpus/fbc/: wall and peak against opm head's
#      recorded figures in ../shared/corpus/expected-fbc.json.
#
# Wall times come from hyperfine (installed with apt-get when missing and
# possible) or, failing that, from bash's clock around repeated runs; peak
# memory always comes from /usr/bin/time -v ("Maximum resident set size").
#
# Usage: scripts/bench-validate.sh [--runs N] [--big-only | --fbc-only] [--markdown FILE]
#   --runs N         timed runs per measurement after one warm-up (default 5 for
#                    the big catalog, 5 for each fbc catalog)
#   --markdown FILE  also write the tables as Markdown to FILE
#
# Environment: SHARED=<dir> overrides the location of shared/ (default:
# ../shared relative to the repository root); BENCH_NO_HYPERFINE=1 times with
# /usr/bin/time -v even when hyperfine is there.
set -euo pipefail

runs=5
do_big=1
do_fbc=1
markdown=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --big-only) do_fbc=0; shift ;;
    --fbc-only) do_big=0; shift ;;
    --markdown) markdown="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "bench-validate: unknown argument $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
big="$shared/corpus/big/union-catalog"
fbc="$shared/corpus/fbc"
expected_fbc="$shared/corpus/expected-fbc.json"

if [[ ! -d "$shared/corpus" ]]; then
  echo "bench-validate: skipped: $shared/corpus is absent (the benchmark corpus lives in shared/, beside the repository)"
  exit 0
fi

# opm head's figures for the big catalog, from corpus/EXPECTED.md.
OPM_BIG_WALL_S=13.6
OPM_BIG_PEAK_MIB=746

for tool in python3 /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-validate: skipped: $tool is required" >&2
    exit 0
  fi
done

if [[ -z "${BENCH_NO_HYPERFINE:-}" ]] && ! command -v hyperfine >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-validate: installing hyperfine with apt-get..." >&2
    if ! apt-get install -y -qq hyperfine >/dev/null 2>&1; then
      { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null 2>&1 ||
        echo "bench-validate: could not install hyperfine; timing with /usr/bin/time -v instead" >&2
    fi
  fi
fi
have_hyperfine=0
[[ -z "${BENCH_NO_HYPERFINE:-}" ]] && command -v hyperfine >/dev/null 2>&1 && have_hyperfine=1

echo "bench-validate: building the release binary..." >&2
(cd "$root" && cargo build --release --locked -q -p oc-catalog)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="$target_dir/release/oc-catalog"
[[ -x "$bin" ]] || { echo "bench-validate: $bin was not built" >&2; exit 1; }

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no -- core plugin Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
  dirty=" (with uncommitted changes under core/ or plugin/)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- measuring -------------------------------------------------------------

# median_wall NAME IGNORE_STATUS CMD...: median wall seconds of CMD over $runs
# runs after one warm-up, its output discarded. IGNORE_STATUS=1 accepts a
# non-zero exit (an invalid catalog exits 1).
median_wall() {
  local name="$1" ignore="$2"; shift 2
  if [[ $have_hyperfine == 1 ]]; then
    local flags=(-N --style none --warmup 1 --runs "$runs" --export-json "$tmp/$name.json")
    [[ $ignore == 1 ]] && flags+=(-i)
    if ! hyperfine "${flags[@]}" "$(printf '%q ' "$@")" >"$tmp/$name.log" 2>&1; then
      cat "$tmp/$name.log" >&2
      return 1
    fi
    python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$tmp/$name.json"
  else
    "$@" >/dev/null 2>&1 || [[ $ignore == 1 ]]
    local i t0 t1
    for ((i = 0; i < runs; i++)); do
      t0=$EPOCHREALTIME
      "$@" >/dev/null 2>&1 || [[ $ignore == 1 ]]
      t1=$EPOCHREALTIME
      echo "$t0 $t1"
    done | python3 -c 'import sys,statistics; print("%.4f" % statistics.median(float(b) - float(a) for a, b in (l.split() for l in sys.stdin)))'
  fi
}

# median_peak_kib NAME CMD...: median "Maximum resident set size" (KiB) over 3 runs.
median_peak_kib() {
  local name="$1"; shift
  local i
  for i in 1 2 3; do
    /usr/bin/time -v -o "$tmp/$name.rss.$i" "$@" >/dev/null 2>&1 || true
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/$name.rss.$i"
  done | sort -n | sed -n 2p
}

bytes_of() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

[[ -n "$markdown" ]] && : >"$markdown"

echo "oc-catalog validate benchmark: commit $commit$dirty, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (other work on the machine skews wall times)"
echo "read floor: find DIR -type f -exec cat {} + > /dev/null"
echo "wall: $([[ $have_hyperfine == 1 ]] && echo hyperfine || echo "bash's EPOCHREALTIME"), median of $runs runs after a warm-up (page cache warm); peak: /usr/bin/time -v, median of 3 runs"
echo

# --- the big catalog --------------------------------------------------------

if [[ $do_big == 1 ]]; then
  if [[ ! -d "$big" ]]; then
    echo "bench-validate: skipped the big catalog: $big is absent"
  else
    echo "== big/union-catalog =="
    in_bytes="$(bytes_of "$big")"
    nfiles="$(find "$big" -type f | wc -l)"
    if ! "$bin" validate "$big" >"$tmp/big.out" 2>&1; then
      echo "note: validate exited non-zero on the big catalog (expected: valid); last line:"
      tail -n 1 "$tmp/big.out"
    fi
    v_wall="$(median_wall big-validate 0 "$bin" validate "$big")"
    r_wall="$(median_wall big-read 0 find "$big" -type f -exec cat {} +)"
    v_peak="$(median_peak_kib big-validate "$bin" validate "$big")"
    r_peak="$(median_peak_kib big-read find "$big" -type f -exec cat {} +)"
    python3 - "$in_bytes" "$nfiles" "$v_wall" "$v_peak" "$r_wall" "$r_peak" \
      "$OPM_BIG_WALL_S" "$OPM_BIG_PEAK_MIB" "${markdown:-/dev/null}" <<'PY'
import sys
b, n = int(sys.argv[1]), int(sys.argv[2])
vw, vp, rw, rp = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
ow, op = float(sys.argv[7]), float(sys.argv[8])
md = sys.argv[9]
mb = b / 1e6
rows = [
    ("oc-catalog validate", f"{vw:.2f}", f"{mb / vw:.0f}", f"{vp / 1024:.0f}", "measured"),
    ("read floor (find … -exec cat)", f"{rw:.2f}", f"{mb / rw:.0f}", f"{rp / 1024:.0f}", "measured"),
    ("opm validate (head)", f"{ow:.1f}", f"{mb / ow:.0f}", f"{op:.0f}", "recorded in EXPECTED.md, not re-run"),
]
print(f"input: {mb:.1f} MB in {n} files")
print(f"{'':32} {'wall s':>8} {'MB/s':>7} {'peak MiB':>9}")
for r in rows:
    print(f"{r[0]:32} {r[1]:>8} {r[2]:>7} {r[3]:>9}   {r[4]}")
print(f"vs opm:        {ow / vw:.1f}x faster wall, {op / (vp / 1024):.1f}x less peak memory "
      f"(wall {vw / ow:.3f} of opm's, peak {vp / 1024 / op:.3f} of opm's)")
print(f"vs read floor: {vw / rw:.2f}x the time of just reading the files")
with open(md, "a") as f:
    f.write(f"Input: {mb:.1f} MB in {n} files.\n\n")
    f.write("| | wall s (median) | MB/s | peak MiB | source |\n|---|---:|---:|---:|---|\n")
    for r in rows:
        f.write(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |\n")
    f.write(f"\nRatios: opm's wall / ours = **{ow / vw:.1f}x**; opm's peak / ours = **{op / (vp / 1024):.1f}x**; "
            f"ours / read floor = **{vw / rw:.2f}x**.\n\n")
PY
    echo
  fi
fi

# --- the fbc catalogs ---------------------------------------------------------

if [[ $do_fbc == 1 ]]; then
  if [[ ! -d "$fbc" || ! -f "$expected_fbc" ]]; then
    echo "bench-validate: skipped the fbc catalogs: $fbc or $expected_fbc is absent"
  else
    echo "== fbc/ catalogs =="
    : >"$tmp/fbc.tsv"
    for dir in "$fbc"/*/; do
      name="$(basename "$dir")"
      set +e
      "$bin" validate "$dir" >/dev/null 2>&1
      code=$?
      set -e
      w="$(median_wall "fbc-$name" 1 "$bin" validate "$dir")"
      p="$(median_peak_kib "fbc-$name" "$bin" validate "$dir")"
      printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(bytes_of "$dir")" "$w" "$p" "$code" >>"$tmp/fbc.tsv"
      echo "  $name: ${w}s" >&2
    done
    python3 - "$tmp/fbc.tsv" "$expected_fbc" "${markdown:-/dev/null}" <<'PY'
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
exp = json.load(open(sys.argv[2]))
md = open(sys.argv[3], "a")
hdr = ["catalog", "MB", "wall s", "peak MiB", "opm wall s", "opm peak MiB", "wall ratio", "peak ratio", "verdict"]
out, wr, pr = [], [], []
for name, b, w, p, code in rows:
    b, w, p, code = int(b), float(w), int(p), int(code)
    head = exp.get(name, {}).get("opm_head_logic")
    if head:
        ow, op = head["wall_s"], head["peak_rss_kb"] / 1024
        same = (code == 0) == (head["exit"] == 0)
        verdict = ("valid" if code == 0 else "invalid") + ("" if same else " (opm differs!)")
        wr.append(ow / w); pr.append(op / (p / 1024))
        out.append([name, f"{b / 1e6:.1f}", f"{w:.3f}", f"{p / 1024:.0f}", f"{ow:.3f}", f"{op:.0f}",
                    f"{ow / w:.1f}x", f"{op / (p / 1024):.1f}x", verdict])
    else:
        out.append([name, f"{b / 1e6:.1f}", f"{w:.3f}", f"{p / 1024:.0f}", "-", "-", "-", "-",
                    "valid" if code == 0 else "invalid"])
widths = [max(len(str(r[i])) for r in out + [hdr]) for i in range(len(hdr))]
fmt = lambda r: "  ".join(str(c).ljust(widths[i]) if i in (0, 8) else str(c).rjust(widths[i]) for i, c in enumerate(r))
print(fmt(hdr))
for r in out:
    print(fmt(r))
print("ratios are opm head's recorded figure / ours: above 1x, oc-catalog is faster or smaller")
if wr:
    print(f"median wall ratio {statistics.median(wr):.1f}x, median peak ratio {statistics.median(pr):.1f}x over {len(wr)} catalogs")
md.write("| " + " | ".join(hdr) + " |\n|---|" + "---:|" * 7 + "---|\n")
for r in out:
    md.write("| " + " | ".join(r) + " |\n")
if wr:
    md.write(f"\nMedian over {len(wr)} catalogs: opm's wall / ours **{statistics.median(wr):.1f}x**, "
             f"opm's peak / ours **{statistics.median(pr):.1f}x** (above 1x, oc-catalog is faster or smaller).\n")
PY
  fi
fi

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
