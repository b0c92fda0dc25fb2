#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/), warnings as errors.
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIMESIM_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
