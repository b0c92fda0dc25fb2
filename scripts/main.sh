#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing,
# builds, and reproduces PRIME's classification experiment on the bundled
# default workload (trained by primesim, workloads/default/) over 300 bundled
# converted N-MNIST test digits: the SystemC chip and both digital baselines
# in one run, an early-stop threshold sweep, and report.md. Trains nothing,
# downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh
out=${OUT:-out/prime_nmnist}

build/arch/primesim sim configs/systems/prime_40nm.yaml \
    --workload workloads/default/prime_nmnist.pwl \
    --data workloads/default/nmnist_test_300.nmnp \
    --thresholds 0.2,0.27,0.3,0.4,0.5,0.6,0.7,0.8,0.9 --jobs 2 -o "$out"
echo "== report: $out/report.md (plots beside it; per-timestep records in $out/timesteps.csv)"
