#!/usr/bin/env bash
# Builds anec with AddressSanitizer and UndefinedBehaviorSanitizer (clang)
# in build-asan/ and runs the whole test suite there, leaks included.
# Usage: utils/sanitize.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/utils/setup.sh" --no-build --sanitizers
build="$root/build-asan"
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DANEC_SHARED_LIBRARY=OFF \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py > /dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons each new slab and
# unpoisons what it hands out, but only in code built with ASan. MLIR's
# context allocators are shared with Debian's uninstrumented libMLIR, so a
# slab our code started stays poisoned under libMLIR's later allocations
# and the parser's writes there are reported (depending only on which side
# starts a slab). Real heap errors are still caught by ASan's own allocator.
ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$(nproc)"
