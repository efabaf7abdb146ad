#!/usr/bin/env bash
# Installs what is missing, builds anec, and runs the whole test suite
# (lit + GoogleTest, through ctest). The README's test command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/utils/setup.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)"
