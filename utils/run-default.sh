#!/usr/bin/env bash
# anec's main job on the built-in default model: installs what is missing,
# builds, writes the tiny Llama checkpoint, imports it (prefill 64 + decode,
# 512-position KV cache), runs the ANE pipeline and says what it did and what
# it did to the numbers. The README's first command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/utils/setup.sh"
bin="$root/build/bin"
work="$root/build/default"
mkdir -p "$work"

echo
echo "== built-in model: $work/tiny-llama"
[ -f "$work/tiny-llama/model.safetensors" ] || "$bin/anec-translate" --make-tiny-model "$work/tiny-llama"
echo "== import (anec-translate --import-hf)"
"$bin/anec-translate" --import-hf "$work/tiny-llama" --prefill=64 --context=512 \
  --emit-bytecode -o "$work/tiny-llama.mlirbc"
"$bin/anec-opt" "$work/tiny-llama.mlirbc" --print-op-stats -o /dev/null 2>&1 | sed -n '1,40p'
echo "== anec-ane-pipeline (timing per pass)"
"$bin/anec-opt" "$work/tiny-llama.mlirbc" --anec-ane-pipeline --mlir-timing \
  --emit-bytecode -o "$work/tiny-llama.ane.mlirbc"
"$bin/anec-opt" "$work/tiny-llama.ane.mlirbc" --print-op-stats -o /dev/null
echo "== numerics: the ANE program run fp16-faithfully against the imported one in fp32"
"$bin/anec-run" "$work/tiny-llama.mlirbc" --compare="$work/tiny-llama.ane.mlirbc" \
  --test-mode=fp16 --logits --call=prefill --call=decode --int-max=448 | grep compare
echo "== outputs: $work/tiny-llama.mlirbc (imported), $work/tiny-llama.ane.mlirbc (ANE pipeline)"
