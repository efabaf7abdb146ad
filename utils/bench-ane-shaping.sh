#!/usr/bin/env bash
# What the ANE-shaping passes do to one decoder layer with Llama-3.2-1B's
# shapes (hidden 2048, 32 heads, 8 KV heads, MLP 8192; vocabulary 2048):
# transposes without anec-channels-first, with it, and with
# anec-attention-channels-first too, the activations
# anec-align-last-axis pads and their bytes (packed and as the ANE lays them
# out), and anec-check-ane over the whole pipeline's output.
#   bash utils/bench-ane-shaping.sh [build-dir]
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin=$build/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/anec-translate" --quiet --make-synthetic-model "$work/l1b" \
  --from-config "$root/../shared/models/Llama-3.2-1B/config.json" --layers=1 --vocab=2048
"$bin/anec-translate" --quiet --import-hf "$work/l1b" --emit-bytecode -o "$work/l1b.mlirbc"
front='func.func(anec-compute-in-fp16),canonicalize,func.func(anec-rms-norm-to-layer-norm,anec-split-attention,anec-limit-dimensions,anec-linear-to-conv'
count() {
  "$bin/anec-opt" "$work/l1b.mlirbc" --pass-pipeline="builtin.module($1,canonicalize,cse)" |
    grep -c 'mil.transpose' || true
}
echo "transposes (prefill + decode), without anec-channels-first: $(count "$front)")"
echo "transposes (prefill + decode), with anec-channels-first: $(count "$front,anec-channels-first)")"
echo "transposes (prefill + decode), with anec-channels-first and anec-attention-channels-first:" \
  "$(count "$front,anec-channels-first),anec-attention-channels-first")"
# One remark per function, in the program's order: prefill, then decode;
# with the KV cache stored channels-first (the default) and, for
# comparison, in (max_S, D) rows.
for kv in channels-first sequence-major; do
  "$bin/anec-opt" "$work/l1b.mlirbc" --anec-ane-pipeline="align-bytes=0 kv-layout=$kv" \
    -o "$work/noalign.mlir"
  "$bin/anec-opt" "$work/noalign.mlir" --anec-align-last-axis=report -o "$work/aligned.mlir" 2>&1 |
    sed -n 's/.*remark: last-axis alignment: //p' |
    paste -d' ' <(printf "prefill (kv-layout=$kv):\ndecode (kv-layout=$kv):\n") -
done
"$bin/anec-opt" "$work/l1b.mlirbc" --anec-ane-pipeline --anec-check-ane -o "$work/checked.mlir" &&
  echo "anec-check-ane (rms-norm, dims, conv, align, fp16) after anec-ane-pipeline: passes"
