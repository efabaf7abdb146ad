#!/usr/bin/env bash
# Installs every Debian package anec's build and tests need (idempotent), then
# configures and builds anec into build/.
# Usage: utils/setup.sh [--no-build] [--sanitizers]
#   --sanitizers also installs clang's sanitizer and libFuzzer runtimes
#   (utils/sanitize.sh, utils/fuzz.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  cmake ninja-build ccache pkg-config
  clang-19 lld-19 llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libfmt-dev libabsl-dev libgtest-dev
  protobuf-compiler libprotobuf-dev
  libopenblas-dev
  python3-numpy python3-sklearn
  python3-protobuf python3-sympy python3-attr python3-tqdm python3-packaging python3-yaml
  graphviz
)
build_after=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build_after=0 ;;
    --sanitizers) packages+=(libclang-rt-19-dev) ;;
    *) echo "setup: unknown option '$arg' (--no-build, --sanitizers)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ "$build_after" = 1 ] || exit 0

build="$root/build"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
fi
cmake --build "$build" -j"$(nproc)"
