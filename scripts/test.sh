#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is
# missing, builds, runs every test and the golden timing regression
# (primesim check), then runs the unit tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer, and fuzzes every reader for 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --slurm # as root, also Slurm for its recipe's test

echo "== build (warnings are errors)"
BUILD_DIR=build scripts/build.sh
echo "== tests"
ctest --test-dir build --output-on-failure -j"$(nproc)"
echo "== golden regression of the timing models (primesim check)"
build/arch/primesim check

echo "== sanitizer build (ASan + UBSan)"
BUILD_DIR=build-asan scripts/build.sh -DPRIMESIM_SANITIZE=ON
echo "== unit tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L unit
echo "== fuzz every reader for 30 s (tests/fuzz/run.sh)"
tests/fuzz/run.sh 30
echo "== all tests passed"
