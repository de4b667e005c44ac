#!/usr/bin/env bash
# The README's main job, from a fresh clone: installs what is missing, builds cnnc,
# checks every example network, then compiles examples/quickstart/quickstart.cnn into
# two static libraries at build time (fused and unfused schedules), links both into
# one program and runs it: output shape and values, and the two schedules' run times.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${CNNC_BUILD_DIR:-build}
echo "== configuring and building cnnc (first time: a few minutes on 2 cores)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${CNNC_JOBS:-2}" --target cnnc

echo
echo "== cnnc check: every network in examples/"
for net in examples/*/*.cnn; do
  printf '%-40s ' "$net"
  "$build/cnnc" check "$net" | tail -n 1
done

echo
echo "== cnnc check examples/quickstart/quickstart.cnn"
"$build/cnnc" check examples/quickstart/quickstart.cnn

echo
echo "== compiling quickstart.cnn ahead of time (fused and unfused) and linking both"
cmake --build "$build" -j "${CNNC_JOBS:-2}" --target quickstart
echo
HL_NUM_THREADS=${HL_NUM_THREADS:-$(nproc)} "$build/examples/quickstart/quickstart"
