#!/usr/bin/env bash
# cmake --install into a temporary prefix, then the installed binary, run
# from a directory that is not the repository, finds its configs, default
# workload, test digits, golden files and docs; nothing installed points
# outside the install (a folder beside the repository is not shipped).
# usage: test_install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
bin=$tmp/prefix/bin/primesim
data=$tmp/prefix/share/primesim
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"

real=$(cd "$data" && pwd -P) # the binary prints the path with symlinks resolved
"$bin" --help | grep -qxF "  $real" || fail "--help does not name $real"
for f in docs/design.md docs/prime.md docs/energy_sources.md README.md workloads/FORMAT.md \
         configs/systems/prime_40nm.yaml configs/sweeps/tile_adc.yaml \
         workloads/default/prime_nmnist.pwl tests/golden/check/prime_40nm.csv; do
    [ -f "$data/$f" ] || fail "$f not installed"
done
if grep -rn 'shared/' "$data" --include='*.md' --include='*.yaml'; then
    fail "installed files point at a shared/ folder"
fi
if "$bin" params | grep -n 'shared/'; then fail "primesim params cites a shared/ folder"; fi

# The README's commands, with repository-relative paths, from elsewhere.
"$bin" sim configs/systems/prime_40nm.yaml --workload workloads/default/prime_nmnist.pwl \
    --data workloads/default/nmnist_test_100.nmnp --samples 2 -o out >sim.log 2>&1 ||
    { cat sim.log; fail "installed sim"; }
grep -q '^2 samples' sim.log || { cat sim.log; fail "sim did not run 2 samples"; }
[ -f out/report.md ] || fail "no out/report.md"
grep -q 'docs/prime.md sec. 6' out/report.md || fail "report.md does not cite docs/prime.md"
"$bin" check configs/systems/prime_40nm.yaml >check.log 2>&1 || { cat check.log; fail "installed check"; }
grep -q '^prime_40nm  *ok' check.log || { cat check.log; fail "check did not pass"; }
"$bin" inspect workloads/default/prime_nmnist.pwl >/dev/null || fail "installed inspect"

# A path that exists nowhere is reported as typed.
if "$bin" sim configs/systems/nope.yaml --workload w.pwl --data d -o o >nope.log 2>&1; then
    fail "a missing config was accepted"
fi
grep -q 'configs/systems/nope.yaml' nope.log || { cat nope.log; fail "error does not name the path"; }
grep -q "$data" nope.log && { cat nope.log; fail "error names the data directory, not what was typed"; }
echo "1 passed, 0 failed"
