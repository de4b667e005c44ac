#!/usr/bin/env bash
# bench/compare.sh: cnnc's schedules against the libraries people would use instead,
# on the same machine, in the same run.
#
#   bench/compare.sh NET.cnn [THREADS]   one network
#   bench/compare.sh all [THREADS]       every network in <repo>/../shared/nets/
#
# THREADS is a count or a comma-separated list (default: all cores); `1,2` measures
# every network at 1 and then at 2 threads. Each measurement is one
#
#   build/cnnc bench NET --schedules fused,unfused --threads N --baseline onednn,pytorch
#
# which times the schedules, then cnnc_onednn_bench and bench/pytorch_bench.py each in
# its own process on the same weights and inputs, checks their outputs against fused's
# and prints one table with a `fused x` ratio column (docs/bench.md). For the whole
# benchmark with tables and target checks written to docs/benchmarks.md, use
# scripts/benchmarks.sh instead.
#
# Environment: CNNC_BUILD (build directory, default <repo>/build), MIN_TIME (seconds
# each schedule and library keeps timing, default 2), SCHEDULES (default fused,unfused),
# BASELINES (default onednn,pytorch), KEEP=DIR (write NET-tN.json reports there).
set -uo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 && $1 != -h && $1 != --help ]] || usage

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${CNNC_BUILD:-$root/build}
cnnc=$build/cnnc
[[ -x $cnnc ]] || { echo "compare.sh: $cnnc not found; build first (ninja -C $build)" >&2; exit 1; }
if [[ $1 == all ]]; then
  networks=("$root"/../shared/nets/*.cnn)
else
  [[ -f $1 ]] || { echo "compare.sh: no such file: $1" >&2; exit 1; }
  networks=("$1")
fi
[[ -n ${KEEP:-} ]] && mkdir -p "$KEEP"

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
IFS=, read -r -a thread_counts <<<"${2:-$(nproc)}"
status=0
for net in "${networks[@]}"; do
  for t in "${thread_counts[@]}"; do
    echo
    echo "== $(basename "$net"), $t thread(s)"
    json=()
    [[ -n ${KEEP:-} ]] && json=(--json "$KEEP/$(basename "$net" .cnn)-t$t.json")
    "$cnnc" bench "$net" --schedules "${SCHEDULES:-fused,unfused}" --threads "$t" \
      --min-time "${MIN_TIME:-2}" --baseline "${BASELINES:-onednn,pytorch}" "${json[@]}" || status=1
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
