#!/usr/bin/env bash
# anec's main job on the built-in default model: installs what is missing,
# builds, writes the tiny Llama checkpoint, compiles it with `anec compile`
# (import, ANE pipeline, Core ML package: prefill + decode with a KV cache),
# shows what the package holds, and checks its numbers against the
# checkpoint. The README's first command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/utils/setup.sh"
bin="$root/build/bin"
work="$root/build/default"
mkdir -p "$work"

echo
[ -f "$work/tiny-llama/model.safetensors" ] || "$bin/anec-translate" --make-tiny-model "$work/tiny-llama"
"$bin/anec" compile "$work/tiny-llama" -o "$work/tiny-llama.mlpackage"
echo
echo "== anec inspect $work/tiny-llama.mlpackage"
"$bin/anec" inspect "$work/tiny-llama.mlpackage"
echo
# Apple's reader is the conformance contract: coremltools loads the package
# as Core ML's tools do (needs ../shared beside the checkout).
ct_load="$root/../shared/validators/ct-load"
if [ -f "$ct_load" ]; then
  echo "== Apple's reader: coremltools loads $work/tiny-llama.mlpackage"
  env -u PYTHONPATH /usr/bin/python3 "$ct_load" "$work/tiny-llama.mlpackage"
else
  echo "== Apple's reader: not run ($ct_load is absent)"
fi
echo
echo "== numerics: the package run fp16-faithfully against the checkpoint's function in fp32"
"$bin/anec-translate" --quiet --import-hf "$work/tiny-llama" --emit-bytecode -o "$work/tiny-llama.mlirbc"
"$bin/anec-run" "$work/tiny-llama.mlirbc" --compare="$work/tiny-llama.mlpackage" \
  --test-mode=fp16 --logits --call=prefill --call=decode --int-max=448 | grep compare
