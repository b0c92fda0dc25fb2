#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing,
# builds, and runs the end-to-end path that exists today (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=build scripts/build.sh
primesim=build/arch/primesim
out=${OUT:-out/main}

echo "== parameter tables"
$primesim params
echo "== PRIME system config, resolved"
$primesim sim configs/systems/prime_40nm.yaml --dry-run -o "$out"
echo "== done: resolved config in $out/config.resolved.yaml"
