#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, ASan + UBSan) and
# fuzzes each for SECONDS, starting from its seed corpus tests/fuzz/<target>/.
# New corpus entries go to build-fuzz/corpus/<target>/, never into the
# repository; a crash, hang, leak or sanitizer report stops with exit 1 and
# the input in build-fuzz/artifacts/<target>/.
#   tests/fuzz/run.sh SECONDS [TARGET...]     (default: every target)
# Without clang it says so and exits 0 (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] || { echo "usage: tests/fuzz/run.sh SECONDS [TARGET...]" >&2; exit 2; }
seconds=$1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pwl nmnp nmnist idx config sweep_plan)
build=${FUZZ_BUILD_DIR:-build-fuzz}

cc=$(command -v clang-14 || command -v clang || true)
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$cc" ] || [ -z "$cxx" ]; then
    echo "fuzz: skipped: no clang (Debian: clang-14 libclang-rt-14-dev)"
    exit 0
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIMESIM_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

# Inputs up to 64 KiB (a container's payload may decompress to more). 60 s
# for one input is a hang: a sweep of a million points, which the sweep
# loader accepts, takes 25 s under the sanitizers. 4 GB is out of memory.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
    corpus=$build/corpus/$t artifacts=$build/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    echo "== fuzz $t for ${seconds}s"
    log=$build/fuzz_$t.log
    if ! nice -n 10 "$build/tests/fuzz/fuzz_$t" "$corpus" "tests/fuzz/$t" -max_total_time="$seconds" \
        -max_len=65536 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz $t: FAILED (input in $artifacts/, log $log)"
        exit 1
    fi
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
    echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
done
echo "fuzz: all targets ran clean"
