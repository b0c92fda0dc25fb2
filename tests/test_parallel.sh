#!/usr/bin/env bash
# The README's GNU parallel recipe for a sharded sweep, run as written but for
# the hosts (two local job slots, -S 2/:, for one slot on each of host1..host4) and
# on a tiny sweep; the merge must equal a single-host sweep.
# usage: test_parallel.sh PRIMESIM SOURCE_DIR
set -euo pipefail
bin=$(realpath "$1")
src=$(cd "$2" && pwd)
. "$src/tests/sweep_recipes.sh"
if ! command -v parallel >/dev/null; then
    echo "SKIP: no GNU parallel (Debian: parallel, installed by scripts/install-deps.sh)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

recipe=$(readme_block "$src/README.md" '^parallel -S')
hosts='-S 1/host1,1/host2,1/host3,1/host4 '
grep -q -- "$hosts" <<<"$recipe" || fail "README's parallel recipe has changed: $recipe"
recipe=${recipe/"$hosts"/-S 2/: }
make_workdir "$tmp/w" "$bin" "$src"
cd "$tmp/w"
export PATH=$tmp/w/bin:$PATH
# parallel keeps its state under $HOME; --will-cite silences the citation notice.
export HOME=$tmp PARALLEL="--will-cite --joblog $tmp/joblog"
bash -c "$recipe" >"$tmp/recipe.log" 2>&1 || true # p006's shard fails: the merge is checked below

cat "$tmp/recipe.log"
# parallel ran the 4 shards locally; shard 2 holds p002 and p006 (6 mod 4 = 2),
# so it alone exits 1.
[ "$(tail -n +2 "$tmp/joblog" | wc -l)" -eq 4 ] || fail "parallel ran not 4 jobs"
[ "$(awk 'NR > 1 && $2 == ":" { n++ } END { print n + 0 }' "$tmp/joblog")" -eq 4 ] ||
    fail "not every job ran on the local host"
# Joblog: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command.
[ "$(awk 'NR > 1 { match($0, /--shard [0-9]+/); print substr($0, RSTART + 8, RLENGTH - 8) "=" $7 }' \
    "$tmp/joblog" | sort | tr '\n' ' ')" = "0=0 1=0 2=1 3=0 " ] || fail "exit codes: $(cat "$tmp/joblog")"
# Two slots: some job started before another had ended.
awk 'NR > 1 { s[NR] = $3; e[NR] = $3 + $4 }
     END { for (i in s) for (j in s) if (i != j && s[i] <= s[j] && s[j] < e[i]) exit 0; exit 1 }' \
    "$tmp/joblog" || fail "the shards ran one at a time: $(cat "$tmp/joblog")"
[ "$(shard_points out/tile_adc.shard0)" = "p000 p004" ] || fail "shard 0: $(shard_points out/tile_adc.shard0)"
[ "$(shard_points out/tile_adc.shard2)" = "p002 p006" ] || fail "shard 2: $(shard_points out/tile_adc.shard2)"
[ "$(shard_points out/tile_adc.shard3)" = "p003" ] || fail "shard 3: $(shard_points out/tile_adc.shard3)"
grep -q 'merged 4 sweep outputs into out/tile_adc: 7 points' "$tmp/recipe.log" || fail "no merge"

# The README's single-host command; exit 1 for the failing point.
code=0
primesim sweep configs/sweeps/tile_adc.yaml --jobs 2 -o out/single >"$tmp/single.log" 2>&1 || code=$?
[ "$code" -eq 1 ] || { cat "$tmp/single.log"; fail "the single run exited $code, expected 1"; }
same_as_single_run out/tile_adc out/single
echo "parallel: 4 shards on 2 local slots merged equal a single run"
echo "1 passed, 0 failed"
