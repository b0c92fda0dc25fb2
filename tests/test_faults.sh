#!/usr/bin/env bash
# Hostile input and faults, run as a user runs primesim (not under the
# sanitizers: ulimit -v and SIGKILL need the plain binary).
#  1. Memory: an absurd chip is refused up front with its estimate (exit 2,
#     within seconds, under a 4 GiB address-space limit); files whose headers
#     declare absurd sizes (a 1 TiB container payload, a 1 TiB .npz member)
#     are refused before anything is allocated.
#  2. Kill-safety: primesim sim (one process and --jobs 2) and primesim train
#     killed by SIGKILL at many moments, and while an output's temporary
#     file is being written, never leave run.done / MODEL.pwl beside
#     incomplete outputs; the same command run again finishes the job with
#     the bits of an uninterrupted run.
# usage: test_faults.sh PRIMESIM SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3

sys=configs/systems/prime_40nm.yaml
wl=workloads/default/prime_nmnist.pwl
data=workloads/default/nmnist_test_100.nmnp

# ---- 1. memory ----------------------------------------------------------
# The chip: 3 weight layers on 16384 x 16384 arrays, each array 34 bytes per
# pair (two f64 conductances, two fault bytes, two i64 fixed-point copies):
# at least 3 * 16384^2 * 34 B = 25.5 GiB.
start=$(date +%s%N)
out=$(ulimit -v 4194304; "$bin" sim $sys --workload $wl --data $data -p crossbar.rows=16384 \
      -p crossbar.cols=16384 -o "$tmp/huge" --max-memory 8G 2>&1)
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "absurd chip: exit $rc in $ms ms: $out"
[ $rc -eq 2 ] || fail "absurd chip: exit $rc"
[ $ms -lt 5000 ] || fail "absurd chip took $ms ms"
grep -q "would allocate about 25.5 GiB, above the memory limit of 8 GiB" <<<"$out" ||
    fail "absurd chip: no estimate in '$out'"
[ ! -e "$tmp/huge/run.done" ] || fail "absurd chip left a run.done"
# The same chip fits a budget raised above the estimate (only checked, not run: --dry-run
# does not build the chip) and the default budget is half of physical memory.
grep -q "half of physical memory" < <("$bin" sim $sys --workload $wl --data $data \
    -p crossbar.rows=16384 -p crossbar.cols=16384 -o "$tmp/huge" --max-memory 1.5T 2>&1 >/dev/null;
    "$bin" sim --help) || fail "--help does not document the default budget"
out=$("$bin" sim $sys --workload $wl --data $data -o "$tmp/x" --max-memory 12Q 2>&1)
[ $? -eq 2 ] && grep -q -- "--max-memory expects a size" <<<"$out" || fail "bad --max-memory: $out"

# A container whose header declares a 1 TiB payload: a valid zstd frame (one
# RLE block; frame content size 2^40) with correct checksums, 70 bytes; as a
# packed dataset and as a workload (kind as the shipped workload says).
kind=$("$bin" inspect $wl | awk '$1 == "kind" { print $2; exit }')
"$py" - "$tmp/bomb.nmnp" "$tmp/bomb.pwl" "$kind" <<'PY'
import struct, sys, zlib
size = 1 << 40
frame = bytes([0x28, 0xB5, 0x2F, 0xFD, 0xE4]) + struct.pack('<Q', size)
frame += bytes([1 | 1 << 1 | 1 << 3, 0, 0]) + b'\0' + b'\0\0\0\0'  # last RLE block of 1 byte; checksum
for path, kind, version in ((sys.argv[1], b'NMNP', 2), (sys.argv[2], sys.argv[3].encode(), 1)):
    h = b'PSIM' + kind + struct.pack('<HHIQQIII', 1, version, 0, size, len(frame), 7,
                                     zlib.crc32(frame), 0)
    open(path, 'wb').write(h + struct.pack('<I', zlib.crc32(h)) + frame)
PY
for args in "inspect $tmp/bomb.nmnp" "sim $sys --workload $wl --data $tmp/bomb.nmnp -o $tmp/b1" \
            "sim $sys --workload $tmp/bomb.pwl --data $data -o $tmp/b2" "inspect $tmp/bomb.pwl"; do
    out=$(ulimit -v 4194304; "$bin" $args 2>&1)
    rc=$?
    echo "1 TiB header ($args): exit $rc: $out"
    [ $rc -eq 2 ] || fail "$args: exit $rc"
    grep -q "declared payload of 1099511627776 bytes would allocate about 1.02e+03 GiB" <<<"$out" ||
        fail "$args: '$out'"
done

# An .npz whose member declares 1 TiB (zip64 sizes) in a SpikingJelly tree.
mkdir -p "$tmp/sj/events_np/train/0"
"$py" - "$tmp/sj/events_np/train/0/00001.npz" <<'PY'
import struct, sys, zlib
name = b'x.npy'
big = 1 << 40
z64 = struct.pack('<HHQQ', 1, 16, big, 8)  # zip64 extra: uncompressed, compressed
data = b'\0' * 8
local = struct.pack('<IHHHHHIIIHH', 0x04034b50, 45, 0, 0, 0, 0, zlib.crc32(data),
                    0xFFFFFFFF, 0xFFFFFFFF, len(name), len(z64)) + name + z64 + data
z64c = struct.pack('<HHQQ', 1, 16, big, 8)
central = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 45, 0, 0, 0, 0, zlib.crc32(data),
                      0xFFFFFFFF, 0xFFFFFFFF, len(name), len(z64c), 0, 0, 0, 0, 0) + name + z64c
eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(central), len(local), 0)
open(sys.argv[1], 'wb').write(local + central + eocd)
PY
out=$(ulimit -v 4194304; "$bin" data stats "$tmp/sj" 2>&1)
rc=$?
echo "1 TiB npz member: exit $rc: $out"
[ $rc -ne 0 ] || fail "1 TiB npz member accepted"
grep -q "x.npy" <<<"$out" || fail "1 TiB npz: message does not name the member: $out"

# ---- 2. kill-safety: sim -------------------------------------------------
# Complete means: run.done there, samples.csv with a row per sample and the
# reference's bytes, timesteps.csv and summary.json there.
t0=$(date +%s%N)
"$bin" sim $sys --workload $wl --data $data -o "$tmp/ref" >/dev/null || fail "reference sim"
sim_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "reference sim: $sim_ms ms"
[ -f "$tmp/ref/run.done" ] || fail "reference sim wrote no run.done"
[ "$(wc -l < "$tmp/ref/samples.csv")" -eq 101 ] || fail "reference: not 100 rows"
check_sim() { # DIR: if run.done is there, everything must be complete and right
    local d=$1
    [ -f "$d/run.done" ] || return 0
    cmp -s "$d/samples.csv" "$tmp/ref/samples.csv" || fail "$d: run.done beside a wrong samples.csv"
    cmp -s "$d/timesteps.csv" "$tmp/ref/timesteps.csv" || fail "$d: run.done beside a wrong timesteps.csv"
    cmp -s "$d/summary.json" "$tmp/ref/summary.json" || fail "$d: run.done beside a wrong summary.json"
    [ ! -d "$d/shards" ] || fail "$d: run.done but shards/ left"
}
kill_after() { # MS CMD...: starts CMD, SIGKILLs it after MS ms (if still running)
    local ms=$1; shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
}
kill_at_tmp() { # DIR PATTERN CMD...: SIGKILLs CMD the moment a DIR/PATTERN temporary exists
    local d=$1 pat=$2; shift 2
    "$@" >/dev/null 2>&1 &
    local pid=$! hit=0
    while kill -0 $pid 2>/dev/null; do
        if compgen -G "$d/$pat" >/dev/null; then kill -9 $pid; hit=1; break; fi
    done
    wait $pid 2>/dev/null
    echo $hit
}
sim_cmd=("$bin" sim $sys --workload $wl --data $data -o "$tmp/k")
for jobs in 1 2; do
    cmd=("${sim_cmd[@]}" --jobs $jobs)
    rm -rf "$tmp/k"
    "${cmd[@]}" >/dev/null || fail "sim --jobs $jobs"
    check_sim "$tmp/k" # an earlier finished run in OUT ...
    for pct in 1 5 15 30 50 70 85 95 110; do
        ms=$(( sim_ms * pct / 100 ))
        kill_after $ms "${cmd[@]}"
        check_sim "$tmp/k" # ... never passes for the killed one's
        if [ -f "$tmp/k/run.done" ]; then echo "sim --jobs $jobs killed at $ms ms: run.done there, outputs complete and right"
        else echo "sim --jobs $jobs killed at $ms ms: no run.done"; fi
    done
    for pat in "samples.csv.tmp*" "timesteps.csv.tmp*" "run.done.tmp*" "shards/*/samples.csv.tmp*"; do
        hit=$(kill_at_tmp "$tmp/k" "$pat" "${cmd[@]}")
        check_sim "$tmp/k"
        [ -f "$tmp/k/run.done" ] && [ "$pat" != "run.done.tmp*" ] && [ "$hit" = 1 ] &&
            fail "killed while writing $pat, yet run.done is there"
        echo "sim --jobs $jobs killed while $pat existed (caught: $hit): run.done $( [ -f "$tmp/k/run.done" ] && echo present || echo absent)"
    done
    # No orphan shard still writing after its parent was killed.
    kill_after 300 "${cmd[@]}"
    sleep 1
    pgrep -f -- "-o $tmp/k/shards" >/dev/null && fail "orphan shards after a killed sim --jobs"
    "${cmd[@]}" >/dev/null || fail "rerun of sim --jobs $jobs"
    [ -f "$tmp/k/run.done" ] || fail "rerun left no run.done"
    check_sim "$tmp/k"
done
# --jobs keeps the shards that had finished: kill after shard 0 is done, not shard 1.
rm -rf "$tmp/k"
mkdir -p "$tmp/k/shards"
"$bin" sim $sys --workload $wl --data $data --shard 0/2 -o "$tmp/k/shards/0" >/dev/null
out=$("${sim_cmd[@]}" --jobs 2)
grep -q "shard 0/2 finished before: kept" <<<"$out" || fail "finished shard not kept: $out"
check_sim "$tmp/k"
[ -f "$tmp/k/run.done" ] || fail "resumed --jobs run: no run.done"
# Bad input changes nothing already written: OUT keeps its finished run.
out=$("${sim_cmd[@]}" --data "$tmp/missing.nmnp" 2>&1)
[ $? -eq 2 ] || fail "missing data: $out"
[ -f "$tmp/k/run.done" ] || fail "a run refused for bad input removed the earlier run.done"
check_sim "$tmp/k"
# merge refuses a shard that did not finish
mkdir -p "$tmp/m"
"$bin" sim $sys --workload $wl --data $data --shard 0/2 -o "$tmp/m/0" >/dev/null
"$bin" sim $sys --workload $wl --data $data --shard 1/2 -o "$tmp/m/1" >/dev/null
rm "$tmp/m/1/run.done"
out=$("$bin" merge "$tmp/m/0" "$tmp/m/1" -o "$tmp/m/all" 2>&1)
[ $? -eq 2 ] && grep -q "m/1: no run.done: not a finished run" <<<"$out" || fail "merge: $out"

# ---- 2. kill-safety: train ------------------------------------------------
cat > "$tmp/tiny.yaml" <<YAML
train:
  arch: "c4k5s2,p2,f10"
  timesteps: 4
  epochs: 4
  batch_size: 16
  chunk: 8
  lr: 0.01
  train_data: $src/$data
  test_data: $src/$data
frames:
  bins: 4
YAML
t0=$(date +%s%N)
"$bin" train "$tmp/tiny.yaml" -o "$tmp/tref/m.pwl" --threads 2 >/dev/null || fail "reference training"
train_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "reference training: $train_ms ms"
[ ! -e "$tmp/tref/m.ckpt" ] || fail "a finished training left its checkpoint"
tcmd=("$bin" train "$tmp/tiny.yaml" -o "$tmp/t/m.pwl" --threads 2)
check_train() {
    [ -f "$tmp/t/m.pwl" ] || return 0
    cmp -s "$tmp/t/m.pwl" "$tmp/tref/m.pwl" || fail "killed training: a wrong m.pwl"
}
rm -rf "$tmp/t"
resumed=0
for pct in 1 5 15 30 45 60 75 90 99 110; do
    ms=$(( train_ms * pct / 100 ))
    kill_after $ms "${tcmd[@]}"
    check_train
    echo "train killed at $ms ms: ckpt $( [ -f "$tmp/t/m.ckpt" ] && echo present || echo absent), m.pwl $( [ -f "$tmp/t/m.pwl" ] && echo present || echo absent)"
done
for pat in "m.ckpt.tmp*" "m.metrics.jsonl.tmp*" "m.pwl.tmp*"; do
    hit=$(kill_at_tmp "$tmp/t" "$pat" "${tcmd[@]}")
    check_train
    echo "train killed while $pat existed (caught: $hit)"
done
# Killed after its second epoch's checkpoint: the rerun resumes and gives the same bits.
rm -rf "$tmp/t"
"${tcmd[@]}" >/dev/null 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
    if [ -f "$tmp/t/m.metrics.jsonl" ] && [ "$(wc -l < "$tmp/t/m.metrics.jsonl")" -ge 2 ] &&
       [ -f "$tmp/t/m.ckpt" ]; then kill -9 $pid; break; fi
done
wait $pid 2>/dev/null
[ ! -e "$tmp/t/m.pwl" ] || echo "(the run ended before the kill)"
out=$("${tcmd[@]}" 2>&1) || fail "resumed training: $out"
grep -q "resuming $tmp/t/m.ckpt after epoch [1-3] of 4" <<<"$out" || fail "did not resume: $out"
cmp "$tmp/t/m.pwl" "$tmp/tref/m.pwl" || fail "resumed training: other model bits"
cmp "$tmp/t/m.metrics.jsonl" "$tmp/tref/m.metrics.jsonl" >/dev/null ||
    diff <(sed 's/"seconds.*//' "$tmp/t/m.metrics.jsonl") <(sed 's/"seconds.*//' "$tmp/tref/m.metrics.jsonl") ||
    fail "resumed training: other metrics"
[ ! -e "$tmp/t/m.ckpt" ] || fail "finished training left its checkpoint"
# A checkpoint of another recipe is not resumed.
"${tcmd[@]}" >/dev/null 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do [ -f "$tmp/t/m.ckpt" ] && { kill -9 $pid; break; }; done
wait $pid 2>/dev/null
[ ! -e "$tmp/t/m.pwl" ] || fail "m.pwl of the earlier run kept beside a new run's files"
out=$("${tcmd[@]}" -p train.lr=0.02 2>&1) || fail "other recipe: $out"
grep -q "another recipe's: starting over" <<<"$out" || fail "other recipe resumed: $out"
# A training refused for bad input keeps the earlier model.
cp "$tmp/tref/m.pwl" "$tmp/t/m.pwl"
out=$("${tcmd[@]}" -p train.test_data=/nonexistent.nmnp 2>&1)
[ $? -ne 0 ] || fail "missing training data accepted"
cmp -s "$tmp/t/m.pwl" "$tmp/tref/m.pwl" || fail "a refused training removed the earlier model"
echo "all fault tests passed"
