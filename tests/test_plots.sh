#!/usr/bin/env bash
# Every SVG that a report (primesim sim, then primesim report) and a sweep
# write is rendered by a real SVG renderer, librsvg's rsvg-convert (Debian:
# librsvg2-bin); a parse error fails the test. The PNGs are kept in
# $PLOTS_DIR when it is set, to look at.
# usage: test_plots.sh PRIMESIM SOURCE_DIR
set -euo pipefail
bin=$1
src=$(cd "$2" && pwd)
if ! command -v rsvg-convert >/dev/null; then
    echo "SKIP: no rsvg-convert (Debian: librsvg2-bin, installed by scripts/install-deps.sh)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The renderer must reject a broken file, or this test would prove nothing.
printf '<svg xmlns="http://www.w3.org/2000/svg"><text>unclosed</svg>\n' >"$tmp/broken.svg"
if rsvg-convert "$tmp/broken.svg" -o "$tmp/broken.png" 2>/dev/null; then
    fail "rsvg-convert accepted a malformed SVG"
fi

# A run with a threshold sweep writes all seven report plots.
"$bin" sim "$src/configs/systems/prime_40nm.yaml" --workload "$src/workloads/default/prime_nmnist.pwl" \
    --data "$src/workloads/default/nmnist_test_100.nmnp" --samples 6 --thresholds 0.3,0.5,0.8 \
    -o "$tmp/run" >"$tmp/sim.log" 2>&1 || { cat "$tmp/sim.log"; fail "sim"; }
"$bin" report "$tmp/run" -o "$tmp/report" >/dev/null || fail "report"
# A sweep with a failing point (PRIME's 7 arrays cannot map onto 3 one-array
# tiles) also draws the "not shown" note.
cat >"$tmp/sweep.yaml" <<YAML
sweep:
  name: plots
  system: $src/configs/systems/prime_40nm.yaml
  workload: $src/workloads/default/prime_nmnist.pwl
  data: $src/workloads/default/nmnist_test_100.nmnp
  samples: 2
points:
  - {adc.bits: 6}
  - {adc.bits: 8}
  - {mapper.arrays_per_tile: 1}
YAML
"$bin" sweep "$tmp/sweep.yaml" --jobs 2 -o "$tmp/sweep" >"$tmp/sweep.log" 2>&1 || true
[ -f "$tmp/sweep/pareto.svg" ] || { cat "$tmp/sweep.log"; fail "the sweep wrote no pareto.svg"; }

expected="accuracy_vs_threshold energy_breakdown energy_breakdown_hybrid energy_vs_threshold
          stop_histogram timestep_energy timesteps_vs_threshold"
n=0
for name in $expected; do
    [ -f "$tmp/report/$name.svg" ] || fail "report wrote no $name.svg"
done
out=${PLOTS_DIR:-$tmp/png}
mkdir -p "$out"
for svg in "$tmp"/report/*.svg "$tmp"/sweep/*.svg; do
    png=$out/$(basename "$svg" .svg).png
    rsvg-convert "$svg" -o "$png" 2>"$tmp/rsvg.err" || { cat "$tmp/rsvg.err"; fail "$svg does not render"; }
    [ -s "$png" ] || fail "$svg rendered to nothing"
    n=$((n + 1))
done
[ "$n" -eq 8 ] || fail "rendered $n SVGs, expected 8 (7 of the report, 1 of the sweep)"
echo "plots: rendered $n SVGs"
echo "1 passed, 0 failed"
