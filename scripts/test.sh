#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, runs ctest.
#   scripts/test.sh                 # everything
#   scripts/test.sh -L unit         # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${CNNC_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${CNNC_JOBS:-2}"
ctest --test-dir "$build" -j "${CNNC_JOBS:-2}" --output-on-failure "$@"
