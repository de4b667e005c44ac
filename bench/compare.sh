#!/usr/bin/env bash
# bench/compare.sh: cnnc's schedules against the libraries people would use instead,
# on the same machine, in the same run.
#
#   bench/compare.sh NET.cnn [THREADS]   one network
#   bench/compare.sh all [THREADS]       every network in <repo>/../shared/nets/
#
# THREADS is a count or a comma-separated list (default: all cores); `1,2` measures
# every network at 1 and then at 2 threads. For each network and thread count it runs,
# one after another and each in its own process (never concurrently: oneDNN's
# spinning OpenMP threads slow Halide code running beside them):
#
#   1. build/cnnc bench NET --schedules fused,unfused     (Halide JIT)
#   2. build/cnnc_onednn_bench NET                        (oneDNN primitives; same random
#                                                          weights and inputs as cnnc bench,
#                                                          checked against the reference)
#   3. /usr/bin/python3 bench/pytorch_bench.py NET        (eager and frozen; the same weights
#                                                          and inputs, checked likewise)
#
# and prints one table per network and thread count: median and min ms per run,
# GFLOP/s (cnnc's FLOP count for every row), and each median divided by fused's
# ("x fused": above 1, fused is that many times faster). With several networks or
# thread counts a summary of the ratios follows. The machine this was written on has 2
# shared cores and is noisy: compare medians and ratios from the same run only.
#
# Environment: CNNC_BUILD (build directory, default <repo>/build), MIN_TIME (seconds
# each measurement keeps timing, default 2), KEEP=DIR (keep the JSON reports and logs
# there instead of a temporary directory), OMP_WAIT_POLICY (default passive here: with
# libgomp's default spin-then-sleep, other jobs on these 2 shared cores made oneDNN and
# PyTorch 5-25x slower at 2 threads; passive threads sleep at once, which should cost
# only a wake-up per parallel region on a quiet machine; OMP_WAIT_POLICY= bench/compare.sh
# uses libgomp's default).
set -uo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 && $1 != -h && $1 != --help ]] || usage

here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
build=${CNNC_BUILD:-$root/build}
min_time=${MIN_TIME:-2}
python=/usr/bin/python3 # Debian's, with python3-torch
cnnc=$build/cnnc
onednn=$build/cnnc_onednn_bench
threads_list=${2:-$(nproc)}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY-passive}
[[ -n $OMP_WAIT_POLICY ]] || unset OMP_WAIT_POLICY

for tool in "$cnnc" "$onednn"; do
  [[ -x $tool ]] || { echo "compare.sh: $tool not found; build first (ninja -C $build)" >&2; exit 1; }
done
if [[ $1 == all ]]; then
  networks=("$root"/../shared/nets/*.cnn)
else
  [[ -f $1 ]] || { echo "compare.sh: no such file: $1" >&2; exit 1; }
  networks=("$1")
fi
if [[ -n ${KEEP:-} ]]; then
  work=$KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
cnnc_json=false
"$cnnc" bench --help 2>&1 | grep -q -- --json && cnnc_json=true

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "min time per measurement: ${min_time} s; OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(libgomp default)};" \
     "$(date -u '+%Y-%m-%d %H:%M UTC')"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: other processes are running (load average above 0.5): expect noise," \
       "most of all at full thread counts, where a descheduled thread stalls parallel regions"
fi

IFS=, read -r -a thread_counts <<<"$threads_list"
cases=()
for net in "${networks[@]}"; do
  name=$(basename "$net" .cnn)
  for t in "${thread_counts[@]}"; do
    dir=$work/$name-t$t
    mkdir -p "$dir"
    cases+=("$dir")
    export OMP_NUM_THREADS=$t HL_NUM_THREADS=$t
    echo "[$name, $t thread(s)] cnnc bench..." >&2
    if $cnnc_json; then
      "$cnnc" bench "$net" --schedules fused,unfused --threads "$t" --min-time "$min_time" \
        --json "$dir/cnnc.json" >"$dir/cnnc.txt" 2>"$dir/cnnc.log" || echo "exit $?" >"$dir/cnnc.failed"
    else
      "$cnnc" bench "$net" --schedules fused,unfused --threads "$t" --min-time "$min_time" \
        >"$dir/cnnc.txt" 2>"$dir/cnnc.log" || echo "exit $?" >"$dir/cnnc.failed"
    fi
    echo "[$name, $t thread(s)] oneDNN..." >&2
    "$onednn" "$net" --threads "$t" --min-time "$min_time" --json "$dir/onednn.json" \
      --dump-tensors "$dir" >"$dir/onednn.txt" 2>"$dir/onednn.log" || echo "exit $?" >"$dir/onednn.failed"
    echo "[$name, $t thread(s)] PyTorch..." >&2
    tensors=()
    [[ -f $dir/inputs.safetensors ]] && tensors=(--tensors "$dir")
    "$python" "$here/pytorch_bench.py" "$net" --threads "$t" --min-time "$min_time" \
      --json "$dir/pytorch.json" --cnnc "$cnnc" "${tensors[@]}" \
      >"$dir/pytorch.txt" 2>"$dir/pytorch.log" || echo "exit $?" >"$dir/pytorch.failed"
    rm -f "$dir"/*.safetensors
    "$python" - table "$dir" "$net" "$t" <<'PY'
import json, os, re, sys

def cnnc_from_table(path):
    """Fallback for a cnnc without --json: right-aligned columns under a header."""
    lines = open(path).read().splitlines()
    flops = None
    for line in lines:
        m = re.search(r"([\d.]+)\s*([KMG]?)\s*FLOPs", line)
        if m and flops is None:
            flops = float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
    header = next(i for i, l in enumerate(lines) if l.startswith("schedule"))
    ends = {k: lines[header].index(k) + len(k) for k in ("median ms", "min ms")}
    rows = []
    for line in lines[header + 1:]:
        if not line.strip():
            break
        tokens = {m.end(): m.group() for m in re.finditer(r"\S+", line)}
        rows.append({"name": line.split()[0], "median_ms": float(tokens[ends["median ms"]]),
                     "min_ms": float(tokens[ends["min ms"]])})
    return {"network": {"flops": flops}, "schedules": rows}

dir, net, threads = sys.argv[2], sys.argv[3], sys.argv[4]
rows, notes, flops, peak = [], [], None, None
for tool in ("cnnc", "onednn", "pytorch"):
    if os.path.exists(f"{dir}/{tool}.failed"):
        log = open(f"{dir}/{tool}.log").read().strip().splitlines()
        notes.append(f"{tool} failed: {log[-1] if log else '?'}")
        continue
    if os.path.exists(f"{dir}/{tool}.json"):
        report = json.load(open(f"{dir}/{tool}.json"))
    else:
        report = cnnc_from_table(f"{dir}/{tool}.txt")
    if tool == "cnnc" or flops is None:
        flops = flops or report["network"].get("flops")
    if tool == "cnnc":  # the FMA peak cnnc bench measured at this thread count
        peak = report.get("machine", {}).get("fp32_fma_peak", {}).get("gflops")
    for s in report["schedules"]:
        rows.append((s["name"], s["median_ms"], s["min_ms"], s.get("check") or report.get("check")))
    if report.get("shapes"):
        notes.append(f"pytorch shapes: {report['shapes']}")
fused = next((r[1] for r in rows if r[0] == "fused"), None)
print(f"\n{os.path.basename(net)}, {threads} thread(s)"
      + (f": {flops / 1e9:.3f} GFLOP per run" if flops else "")
      + (f"; FP32 FMA peak measured by cnnc bench: {peak:.0f} GFLOP/s" if peak else ""))
print(f"  {'library/schedule':18}{'median ms':>10}{'min ms':>10}{'GFLOP/s':>9}{'% peak':>8}"
      f"{'x fused':>9}  check")
summary = {"network": os.path.basename(net)[:-4], "threads": int(threads), "rows": {}}
for name, med, mn, check in rows:
    gflops = f"{flops / (med * 1e6):.1f}" if flops else "-"
    percent = f"{100 * flops / (med * 1e6) / peak:.0f}" if flops and peak else "-"
    ratio = f"{med / fused:.2f}" if fused else "-"
    print(f"  {name:18}{med:>10.3f}{mn:>10.3f}{gflops:>9}{percent:>8}{ratio:>9}  {check or ''}".rstrip())
    summary["rows"][name] = med
for note in notes:
    print(f"  {note}")
json.dump(summary, open(f"{dir}/summary.json", "w"))
PY
  done
done

if [[ ${#cases[@]} -gt 1 ]]; then
  "$python" - summary "${cases[@]}" <<'PY'
import json, os, sys
cases = [json.load(open(f"{d}/summary.json")) for d in sys.argv[2:] if os.path.exists(f"{d}/summary.json")]
names = ["unfused", "onednn", "pytorch-frozen", "pytorch-eager"]
print("\nsummary: median of each over fused's median (above 1: fused is faster)")
print(f"  {'network':14}{'threads':>8}{'fused ms':>10}" + "".join(f"{n:>16}" for n in names))
for c in cases:
    fused = c["rows"].get("fused")
    cells = "".join(f"{(c['rows'][n] / fused if fused and n in c['rows'] else float('nan')):>16.2f}" for n in names)
    print(f"  {c['network']:14}{c['threads']:>8}{(fused or float('nan')):>10.3f}{cells}")
PY
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
