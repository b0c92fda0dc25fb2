# Shared by test_parallel.sh and test_slurm.sh (sourced, not run): the
# README's distributed-sweep recipes, taken from README.md itself so that the
# tests run what a user copies, on a tiny sweep that stands in for
# configs/sweeps/tile_adc.yaml.

fail() { echo "FAIL: $*"; exit 1; }

# Prints the indented code block of README $1 whose first line matches the
# regex $2 (4-space indent removed; the block ends at a line without it).
readme_block() {
    awk -v re="$2" '
        !found && /^    / && substr($0, 5) ~ re { found = 1 }
        found && /^    / { print substr($0, 5); next }
        found { exit }
    ' "$1"
}

# Makes a working directory $1 as a user of the installed binary has: primesim
# on the PATH (a link to $2) and, in place of the 27-point tile_adc sweep, a
# tiny one of the same name (a file relative to the repository root is looked
# up in the working directory first). 7 points of 2 samples: the 3 x 2 grid
# p000..p005 and p006, which fails (PRIME's 7 arrays need 7 tiles of one array
# each; the 2x2 mesh has 4 nodes), since a failing point is what a real sweep
# has and what the recipes must get through.
make_workdir() {
    local dir=$1 bin=$2 src=$3
    mkdir -p "$dir/bin" "$dir/configs/sweeps"
    ln -s "$bin" "$dir/bin/primesim"
    cat >"$dir/configs/sweeps/tile_adc.yaml" <<YAML
sweep:
  name: tiny
  system: $src/configs/systems/prime_40nm.yaml
  workload: $src/workloads/default/prime_nmnist.pwl
  data: $src/workloads/default/nmnist_test_100.nmnp
  samples: 2
grid:
  - adc.bits: [4, 6, 8]
  - adc.cols_per_adc: [1, 8]
points:
  - {mapper.arrays_per_tile: 1}
YAML
}

# The points a shard directory holds, on one line: "p001 p005".
shard_points() { (cd "$1/points" && ls | tr '\n' ' ' | sed 's/ $//'); }

# Checks that the merged sweep $1 is the single-host sweep $2: the same files,
# each byte for byte, but for what primesim merge says differs (each point's
# log.txt, which records the run's speed and directory, and the seconds in
# point.status).
same_as_single_run() {
    local merged=$1 single=$2 f
    [ "$(cd "$merged" && find . -type f | sort)" = "$(cd "$single" && find . -type f | sort)" ] ||
        fail "$merged and $single hold other files: $(diff <(cd "$merged" && find . -type f | sort) \
              <(cd "$single" && find . -type f | sort) | tr '\n' ' ')"
    for f in table.csv table.md pareto.svg plan.txt; do
        [ -f "$merged/$f" ] || fail "the merge wrote no $f"
    done
    while read -r f; do
        case $f in
        */log.txt) ;;
        */point.status)
            [ "$(grep -v '^seconds:' "$merged/$f")" = "$(grep -v '^seconds:' "$single/$f")" ] ||
                fail "$f differs" ;;
        *) cmp -s "$merged/$f" "$single/$f" || fail "$f differs from the single run's" ;;
        esac
    done < <(cd "$single" && find . -type f | sed 's|^\./||' | sort)
    # What the single run must be, by the sweep file: 7 rows, p006 failed.
    [ "$(wc -l <"$single/table.csv")" -eq 8 ] || fail "the table has not 7 points"
    [ "$(grep -c '^p00[0-5],.*,ok,' "$single/table.csv")" -eq 6 ] || fail "p000..p005 are not ok"
    grep -q '^p006,,,1,failed,' "$single/table.csv" || fail "p006 did not fail"
    [ "$(find "$single/points" -name timesteps.csv | wc -l)" -eq 6 ] ||
        fail "not 6 points with results"
}
