#!/usr/bin/env bash
# anec's main job on the built-in default program: installs what is missing,
# builds, then compiles the bundled Llama decoder layer through the ANE
# pipeline and says what changed. The README's first command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/utils/setup.sh"
opt="$root/build/bin/anec-opt"
input="$root/utils/models/llama-block.mlir"
output="$root/build/llama-block.ane.mlir"

echo
echo "== input: $input"
"$opt" "$input" --print-op-stats -o /dev/null
echo "== anec-ane-pipeline (timing per pass)"
"$opt" "$input" --anec-ane-pipeline --mlir-timing -o "$output.tmp"
mv "$output.tmp" "$output"
echo "== output: $output"
"$opt" "$output" --print-op-stats -o /dev/null
