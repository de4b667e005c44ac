#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, runs ctest,
# then the sanitizer subset.
#   scripts/test.sh                 # everything
#   scripts/test.sh -L unit         # extra arguments go to ctest (the subset still runs)
#   CNNC_SANITIZERS=0 scripts/test.sh   # without the sanitizer subset
#
# The sanitizer subset (CI runs it; about 2 minutes on 2 cores): the front end's and
# the runtime's unit tests and the fuzz regressions of the tensor readers and the weight
# binder, built with AddressSanitizer and UndefinedBehaviorSanitizer (the `asan`
# preset, in build-asan). These are the code that reads untrusted bytes (source text,
# weight and input files) and the library linked into users' programs, and they need no
# Halide: the rest of the project (the compiler, whose every operator file includes
# Halide.h, and the tests that JIT-compile pipelines) would add about 20 minutes under
# ASan, beyond CI's budget. The full suite under ASan: `cmake --preset asan -G Ninja &&
# cmake --build build-asan && ctest --test-dir build-asan` (README, "Hardening").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${CNNC_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${CNNC_JOBS:-2}"
status=0
ctest --test-dir "$build" -j "${CNNC_JOBS:-2}" --output-on-failure "$@" || status=$?

if [ "${CNNC_SANITIZERS:-1}" != 0 ]; then
  start=$SECONDS
  asan=${CNNC_ASAN_BUILD_DIR:-build-asan}
  cmake -S . -B "$asan" -G Ninja --preset asan -DCNNC_BUILD_EXAMPLES=OFF -DCNNC_BUILD_BENCH=OFF \
    >/dev/null
  cmake --build "$asan" -j "${CNNC_JOBS:-2}" --target dsl_tests runtime_tests \
    fuzz_replay_safetensors fuzz_replay_weights
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  "$asan/tests/unit/dsl/dsl_tests" --gtest_brief=1 || status=1
  "$asan/tests/unit/runtime/runtime_tests" --gtest_brief=1 || status=1
  ctest --test-dir "$asan" --output-on-failure -R '^fuzz_regressions_(safetensors|weights)$' ||
    status=1
  echo "test.sh: sanitizer subset took $((SECONDS - start)) s"
fi
exit $status
