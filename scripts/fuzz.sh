#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-14, ASan and UBSan, and runs each for
# a set time, two at a time, at low priority (the machine is shared).
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 600 s each; cnn safetensors weights onnx
# Environment: CNNC_FUZZ_BUILD_DIR (default build-fuzz), CNNC_FUZZ_JOBS (parallel
# fuzzers, default 2). Corpora grow in BUILD/fuzz-corpus/TARGET across runs, seeded
# from tests/ and examples/ (and fuzz/make_seeds.py); crashing inputs land in
# BUILD/fuzz-artifacts/TARGET. A crash fails the script; fix it, then copy the input
# to fuzz/regressions/TARGET/ so that ctest replays it (fuzz_regressions_TARGET).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(cnn safetensors weights onnx)
build=${CNNC_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${CNNC_FUZZ_JOBS:-2}
python=/usr/bin/python3

bash scripts/setup.sh
# -O1 -g without NDEBUG: the runtime's and the compiler's assertions stay on.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCNNC_BUILD_FUZZERS=ON -DCNNC_BUILD_TESTS=OFF -DCNNC_BUILD_EXAMPLES=OFF \
  -DCNNC_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "${CNNC_JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

corpus=$build/fuzz-corpus
mkdir -p "$corpus"/{cnn,safetensors,weights,onnx}
# Seeds: every .cnn of the repository; the correctness fixtures' tensors; generated
# weights, inputs, .npy files and ONNX models. Copies are named by content, so
# re-seeding adds nothing twice.
seed() { cp "$2" "$corpus/$1/seed-$(sha1sum "$2" | cut -c1-16)"; }
while IFS= read -r f; do seed cnn "$f"; done < <(find tests examples -name '*.cnn')
while IFS= read -r f; do seed safetensors "$f"; seed weights "$f"; done \
  < <(find tests/correctness/fixtures -name '*.safetensors' | sort | head -40; \
      echo examples/consumer/tiny.safetensors)
if [ -x "$python" ]; then
  generated=$(mktemp -d)
  "$python" -W ignore fuzz/make_seeds.py "$generated" >/dev/null 2>&1 ||
    echo "fuzz: fuzz/make_seeds.py failed; fuzzing without its seeds"
  for t in weights safetensors onnx; do
    for f in "$generated/$t"/*; do [ -f "$f" ] && seed "$t" "$f"; done
  done
  rm -rf "$generated"
fi

# The readers take paths: the targets write each input to a scratch file in $TMPDIR.
[ -d /dev/shm ] && export TMPDIR=/dev/shm
run_one() {
  local t=$1
  local dict=()
  [ -f "fuzz/dictionaries/$t.dict" ] && dict=(-dict="fuzz/dictionaries/$t.dict")
  # .cnn inputs: the seeds include 200 KB files (10000 layers), which would make every
  # mutation that slow; real networks are a few KB, and long inputs are tested by the
  # golden and robustness tests.
  local maxlen=()
  [ "$t" = cnn ] && maxlen=(-max_len=8192)
  mkdir -p "$build/fuzz-artifacts/$t" "$build/fuzz-logs"
  # -timeout: an input taking 30 s is a hang (the importer folds constants of up to 2^24
  # elements, a few seconds under ASan on a loaded machine); -rss_limit_mb: a 2 GB
  # allocation is a bug.
  nice -n 10 "$build/fuzz/fuzz_$t" "$corpus/$t" "${dict[@]}" "${maxlen[@]}" -max_total_time="$seconds" \
    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$t/" >"$build/fuzz-logs/$t.log" 2>&1 || true
}

echo "fuzz: ${targets[*]} for ${seconds} s each, $jobs at a time (logs in $build/fuzz-logs)"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

status=0
printf '%-12s %10s %12s %8s %10s\n' target seconds execs corpus artifacts
for t in "${targets[@]}"; do
  log=$build/fuzz-logs/$t.log
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  time=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1)
  artifacts=$(find "$build/fuzz-artifacts/$t" -type f | wc -l)
  printf '%-12s %10s %12s %8s %10s\n' "$t" "${time:-?}" "${execs:-?}" \
    "$(find "$corpus/$t" -type f | wc -l)" "$artifacts"
  if [ "$artifacts" -ne 0 ] || ! grep -q 'stat::number_of_executed_units' "$log"; then
    status=1
    echo "fuzz: $t failed; see $log and $build/fuzz-artifacts/$t/"
  fi
done
exit $status
