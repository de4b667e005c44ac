#!/usr/bin/env bash
# The benchmark of issue 5 in one command (docs/benchmarks.md): for every network in
# ../shared/nets (relative to the checkout), at 1 and then 2 threads, one
# `cnnc bench --baseline onednn,pytorch` run times cnnc's schedules (fused, unfused,
# auto) and then the libraries (oneDNN, PyTorch eager and frozen), each library in its
# own process, on the same weights and inputs, and checks every library's outputs
# against fused. Then it times `cnnc compile` of resnet_stem, and regenerates the
# tables, the target checks and the plot of docs/benchmarks.md between its GENERATED
# markers. The raw JSON reports and per-run charts go to docs/benchmarks/.
#
# usage: scripts/benchmarks.sh [BUILD_DIR]     (default: build; needs cnnc and
#                                              cnnc_onednn_bench built there)
# environment:
#   MIN_TIME    seconds each schedule and library keeps timing, over all rounds
#               (default 2; the whole run then takes about 6 minutes on 2 cores)
#   ROUNDS      timing rounds alternating between the schedules and the libraries
#               (cnnc bench --rounds; default 3), so that a change in the machine's
#               load during a network's run meets every row
#   NETS        directory of .cnn networks (default <repo>/../shared/nets)
#   THREADS     thread counts, space-separated (default "1 2")
#   SCHEDULES   cnnc schedules (default fused,unfused,auto)
#   BASELINES   libraries (default onednn,pytorch)
#   LAYERS_OF   networks whose convolutions are also timed one at a time (each conv2d +
#               relu alone, fused against oneDNN; default vgg_head, whose target is
#               about its 3x3 convolutions; empty to skip)
#   DOC         the page to write (default docs/benchmarks.md; created from it if
#               missing), its raw reports going to DOC without .md, its plot to
#               DOC with .svg for .md: DOC=/tmp/other.md NETS=DIR checks the targets on
#               other networks without touching the repository's page
#   PYTHON      interpreter for the tables and PyTorch (default /usr/bin/python3)
#   OMP_WAIT_POLICY  left as set; cnnc bench makes the libraries' threads passive if unset
# A network whose run fails (a library that cannot run it, a disagreement) is retried
# with oneDNN only and then without libraries; the document lists what failed and why.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" 2>/dev/null && pwd || echo "${1:-$root/build}")"
cnnc="$build/cnnc"
nets="${NETS:-$root/../shared/nets}"
min_time="${MIN_TIME:-2}"
rounds="${ROUNDS:-3}"
layers_of="${LAYERS_OF-vgg_head}"
threads="${THREADS:-1 2}"
schedules="${SCHEDULES:-fused,unfused,auto}"
baselines="${BASELINES:-onednn,pytorch}"
python="${PYTHON:-/usr/bin/python3}"
doc="${DOC:-$root/docs/benchmarks.md}"
[[ $doc == *.md ]] || { echo "benchmarks: DOC must end in .md" >&2; exit 2; }
[[ -f $doc ]] || cp "$root/docs/benchmarks.md" "$doc"
out="${doc%.md}"

fail() {
  echo "benchmarks: $*" >&2
  exit 2
}
[[ -x $cnnc ]] || fail "no $cnnc; build it first (ninja -C $build cnnc cnnc_onednn_bench)"
if [[ $baselines == *onednn* && ! -x $build/cnnc_onednn_bench ]]; then
  fail "no $build/cnnc_onednn_bench: install libdnnl-dev (scripts/setup.sh), re-run cmake, build it"
fi
[[ -x $python ]] || fail "no $python (Debian's python3 with python3-torch)"
[[ -d $nets ]] || fail "no network directory $nets (set NETS)"
shopt -s nullglob
networks=("$nets"/*.cnn)
((${#networks[@]})) || fail "no .cnn files in $nets"
grep -q 'BEGIN GENERATED' "$doc" || fail "$doc has no GENERATED markers"

work=$(mktemp -d "${TMPDIR:-/tmp}/cnnc-benchmarks-XXXXXX")
sampler=""
cleanup() {
  [[ -n $sampler ]] && kill "$sampler" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.svg "$out"/*.failed "$out"/case-load.txt
rm -rf "$out/layers"

# The machine is shared: sample the load average every 5 s for the whole run.
(while true; do
  echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/load.txt"
  sleep 5
done) &
sampler=$!

start=$(date +%s)
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!docs/benchmarks*' || echo '+uncommitted changes')"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(lscpu | sed -n 's/^Core(s) per socket: *//p' | head -1)"
  echo "sockets=$(lscpu | sed -n 's/^Socket(s): *//p' | head -1)"
  echo "threads_per_core=$(lscpu | sed -n 's/^Thread(s) per core: *//p' | head -1)"
  echo "logical_cpus=$(nproc)"
  echo "hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)"
  echo "min_time=$min_time"
  echo "rounds=$rounds"
  echo "layers_of=$layers_of"
  echo "schedules=$schedules"
  echo "baselines=$baselines"
  echo "omp_wait_policy=${OMP_WAIT_POLICY:-passive (set by cnnc bench)}"
  echo "nets=$nets"
} >"$out/meta.txt"

# bench NET THREADS BASELINE_LIST: one cnnc bench run into docs/benchmarks/.
bench() {
  local name=$1 net=$2 t=$3 libraries=$4
  local args=(bench "$net" --schedules "$schedules" --threads "$t" --min-time "$min_time"
              --rounds "$rounds"
              --json "$out/$name-t$t.json" --plot "$out/$name-t$t.svg")
  [[ -n $libraries ]] && args+=(--baseline "$libraries")
  "$cnnc" "${args[@]}" >"$work/$name-t$t.txt" 2>"$work/$name-t$t.log"
}

# The last line of a failed run's stderr that is not progress: its error.
last_error() {
  grep -v '^\(measuring\|compiling\|timing\|note\|Warning\)' "$1" | tail -1 || true
}

for net in "${networks[@]}"; do
  name=$(basename "$net" .cnn)
  for t in $threads; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "[$(($(date +%s) - start)) s] $name, $t thread(s); load $load" >&2
    echo "$name $t $load" >>"$out/case-load.txt"
    if bench "$name" "$net" "$t" "$baselines"; then
      continue
    fi
    reason=$(last_error "$work/$name-t$t.log")
    echo "  failed: $reason" >&2
    echo "with --baseline $baselines: $reason" >>"$out/$name-t$t.failed"
    for fallback in onednn ""; do
      [[ $fallback == "$baselines" ]] && continue
      echo "  retrying with --baseline '${fallback}'" >&2
      if bench "$name" "$net" "$t" "$fallback"; then
        break
      fi
      reason=$(last_error "$work/$name-t$t.log")
      echo "with --baseline '${fallback}': $reason" >>"$out/$name-t$t.failed"
    done
  done
done

# The convolutions of LAYERS_OF one at a time (scripts/benchmarks_layers.py writes each
# conv2d + relu as a network of its own), fused against oneDNN.
for net_name in $layers_of; do
  net="$nets/$net_name.cnn"
  [[ -f $net ]] || continue
  "$cnnc" check "$net" >"$work/$net_name.check.txt"
  mkdir -p "$out/layers" "$work/layers"
  for layer_net in $("$python" "$root/scripts/benchmarks_layers.py" "$net" \
                       "$work/$net_name.check.txt" "$work/layers"); do
    layer=$(basename "$layer_net" .cnn)
    for t in $threads; do
      echo "[$(($(date +%s) - start)) s] $layer alone, $t thread(s)" >&2
      libraries=()
      [[ $baselines == *onednn* ]] && libraries=(--baseline onednn)
      "$cnnc" bench "$layer_net" --schedules fused --threads "$t" --min-time "$min_time" \
        --rounds "$rounds" "${libraries[@]}" --json "$out/layers/$layer-t$t.json" \
        >"$work/$layer-t$t.txt" 2>"$work/$layer-t$t.log" ||
        echo "  failed: $(last_error "$work/$layer-t$t.log")" >&2
    done
  done
done

# `cnnc compile` of resnet_stem (the issue's compile-time target), fused schedule.
if [[ -f $nets/resnet_stem.cnn ]]; then
  echo "[$(($(date +%s) - start)) s] cnnc compile resnet_stem" >&2
  compile_start=$(date +%s.%N)
  if "$cnnc" compile "$nets/resnet_stem.cnn" -o "$work/compiled" >"$work/compile.log" 2>&1; then
    echo "compile_resnet_stem_seconds=$(awk -v a="$compile_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" >>"$out/meta.txt"
  else
    echo "compile_resnet_stem_error=$(tail -1 "$work/compile.log")" >>"$out/meta.txt"
  fi
fi
echo "duration_seconds=$(($(date +%s) - start))" >>"$out/meta.txt"
kill "$sampler" 2>/dev/null || true
sampler=""
echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/load.txt"
cp "$work/load.txt" "$out/loadavg.txt"

"$python" "$root/scripts/benchmarks_tables.py" "$out" "$doc"
echo "benchmarks: wrote $doc, $out/ ($(($(date +%s) - start)) s)" >&2
