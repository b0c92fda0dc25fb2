#!/usr/bin/env bash
# Memcheck on a short simulation (the golden model and the SystemC chip, a few
# bundled digits on the shipped PRIME workload and system) and a short
# training run (a tiny recipe on the bundled digits): no memory error and no
# definitely or indirectly lost block, else valgrind's exit code 99 fails the
# test. tests/valgrind/systemc.supp says what is suppressed and why.
# usage: test_valgrind.sh PRIMESIM SOURCE_DIR
set -euo pipefail
bin=$1
src=$(cd "$2" && pwd)
if ! command -v valgrind >/dev/null; then
    echo "SKIP: no valgrind (Debian: valgrind, installed by scripts/install-deps.sh)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
memcheck() {
    local name=$1
    shift
    if ! valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --suppressions="$src/tests/valgrind/systemc.supp" "$@" >"$tmp/$name.log" 2>&1; then
        cat "$tmp/$name.log"
        fail "$name under memcheck"
    fi
    grep -E 'ERROR SUMMARY' "$tmp/$name.log" | sed "s/^==[0-9]*==/$name:/"
}

sim=(sim "$src/configs/systems/prime_40nm.yaml" --workload "$src/workloads/default/prime_nmnist.pwl"
     --data "$src/workloads/default/nmnist_test_100.nmnp" --samples 3)
memcheck golden "$bin" "${sim[@]}" --golden -o "$tmp/golden"
memcheck chip "$bin" "${sim[@]}" --thresholds 0.5,0.8 -o "$tmp/chip"
[ -s "$tmp/chip/samples.csv" ] && [ -s "$tmp/golden/samples.csv" ] || fail "sim wrote no samples.csv"

cat >"$tmp/tiny.yaml" <<YAML
train:
  name: valgrind_tiny
  arch: "c4k5s2,p2,f10"
  timesteps: 4
  epochs: 2
  batch_size: 16
  chunk: 8
  lr: 0.01
  train_limit: 48
  test_limit: 16
  train_data: $src/workloads/default/nmnist_test_100.nmnp
  test_data: $src/workloads/default/nmnist_test_100.nmnp
frames:
  bins: 4
YAML
memcheck train "$bin" train "$tmp/tiny.yaml" -o "$tmp/tiny.pwl" --threads 2
[ -s "$tmp/tiny.pwl" ] || fail "train wrote no workload"
echo "PASS: no memcheck errors, no definite or indirect leaks"
