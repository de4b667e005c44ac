#!/usr/bin/env bash
# Installs the Debian 12 packages cnnc needs to build, test and benchmark.
# Idempotent and quick when everything is present: it asks dpkg first and only
# calls apt-get (after `apt-get update`) for packages that are missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  # the compiler's own dependencies
  llvm-14-dev libhalide14-0-dev nlohmann-json3-dev zlib1g-dev libzstd-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev libdnnl-dev
  # fuzzing (scripts/fuzz.sh: libFuzzer) and the tsan preset
  clang-14 libclang-rt-14-dev
  # ONNX import
  libonnx-dev libprotobuf-dev protobuf-compiler
  # reference data (PyTorch is the oracle for tests and examples/models; the compiler
  # never needs Python)
  python3 python3-numpy python3-torch python3-torchvision python3-sklearn
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
