#!/usr/bin/env bash
# Fuzzes every reader with libFuzzer for SECONDS each (default 60): builds
# the instrumented targets in build-fuzz/ (clang, ASan, UBSan), seeds them
# with utils/make-fuzz-seeds.sh, and prints executions and crashes per
# target. Crashing inputs land in build-fuzz/crashes/<target>/; add them to
# test/fuzz/regressions/<target>/ once fixed.
# Usage: utils/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors config target gguf mil-text mlmodel milblob mlir pipeline plist hwx)
"$root/utils/setup.sh" --no-build --sanitizers
build="$root/build-fuzz"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g -O1"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DANEC_FUZZ=ON \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py > /dev/null
cmake --build "$build" -j"$(nproc)" --target anec anec-translate anec-opt \
  $(printf 'anec-fuzz-%s ' "${targets[@]}")
"$root/utils/make-fuzz-seeds.sh" "$build" "$build/seeds" > /dev/null
printf '%-12s %12s %10s %s\n' target executions seconds crashes
# Slabs of MLIR's shared allocators poisoned by instrumented code and used
# by uninstrumented libMLIR are not errors (utils/sanitize.sh says why).
export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_poisoning=0}
# Undefined behaviour stops the run and counts as a crash (UBSan only logs
# and goes on by default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  log="$build/fuzz-$t.log"
  "$build/bin/anec-fuzz-$t" "$build/corpus/$t" "$build/seeds/$t" -max_total_time="$seconds" \
    -rss_limit_mb=4096 -max_len=262144 -artifact_prefix="$build/crashes/$t/" > "$log" 2>&1 || true
  execs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || true)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  crashes=$(ls "$build/crashes/$t" | wc -l)
  printf '%-12s %12s %10s %s\n' "$t" "${execs:-?}" "$seconds" "$crashes"
done
