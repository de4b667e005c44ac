#!/usr/bin/env bash
# Soak run of the random network differential test (tests/random): generates COUNT
# networks from seed START on, runs each under the reference evaluator and the unfused
# and fused schedules, and compares them at SPEC's tolerance.
#
#   scripts/random-dags.sh [COUNT=500] [START=1]
#
# Environment: BUILD_DIR (default build), JOBS (parallel shards, default 2; the test
# binary runs `cnnc` as a subprocess, so each shard keeps one core busy), and
# CNNC_RANDOM_DAG_AVOID (comma-separated known-bug switches of the generator, see
# tests/random/RandomNetwork.h, to look past a known bug; default none).
# Failures print their seed, network and the kept temporary directory; the summary
# lists the failed seeds. Reproduce one with
#   CNNC_RANDOM_DAG_SEED=N CNNC_RANDOM_DAG_COUNT=1 BUILD_DIR/tests/random/random_dag_tests
# Exit status: 0 when every seed passed, 1 otherwise.
set -euo pipefail

count=${1:-500}
start=${2:-1}
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
binary=$build/tests/random/random_dag_tests

if [ ! -x "$binary" ]; then
  echo "random-dags: $binary not found; build it with: ninja -C $build random_dag_tests" >&2
  exit 2
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/cnnc-random-dags-XXXXXX")
# Private copies of both binaries: the build tree may be rebuilt while this runs.
cp "$build/cnnc" "$logs/cnnc"
cp "$binary" "$logs/random_dag_tests"
binary=$logs/random_dag_tests
export CNNC_RANDOM_DAG_CNNC=$logs/cnnc
echo "random-dags: seeds $start..$((start + count - 1)) in $jobs shards, logs in $logs"
began=$(date +%s)
pids=()
for ((shard = 0; shard < jobs; ++shard)); do
  CNNC_RANDOM_DAG_COUNT=$count CNNC_RANDOM_DAG_SEED=$start \
    GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$shard \
    "$binary" >"$logs/shard$shard.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
elapsed=$(($(date +%s) - began))

failed=$(grep -h '^\[  FAILED  \] .*seed_[0-9]*,' "$logs"/shard*.log | sed 's/.*seed_\([0-9]*\),.*/\1/' |
  sort -n | uniq || true)
passed=$(grep -h -c '^\[       OK \]' "$logs"/shard*.log | awk '{ s += $1 } END { print s + 0 }')
echo "random-dags: $passed passed, $(echo -n "$failed" | grep -c . || true) failed, ${elapsed}s"
if [ -n "$failed" ]; then
  echo "failed seeds:" $failed
  echo "details: grep -A60 'seed_N' $logs/shard*.log"
fi
exit $status
