#!/usr/bin/env bash
# One layer of a model family through anec-ane-pipeline (for
# ane-pipeline-families.test): numerics against the import, the whole
# check, the transposes left, and anec-attention-channels-first alone in
# fp16-faithful mode.
#   run-family.sh BIN MODELS NAME WORKDIR
set -euo pipefail
bin=$1 models=$2 name=$3 work=$4/$3
"$bin/anec-translate" --quiet --make-synthetic-model "$work" \
  --from-config "$models/$name/config.json" --layers=1 --vocab=2048
"$bin/anec-translate" --quiet --import-hf "$work" --emit-bytecode -o "$work.mlirbc"
"$bin/anec-run" "$work.mlirbc" --compare-pipeline=anec-ane-pipeline --llm-inputs --int-max=2048 \
  --call=prefill --call=decode --call=decode --max-rel=1e-4 | grep compare
"$bin/anec-opt" "$work.mlirbc" --anec-ane-pipeline --anec-check-ane -o "$work.ane.mlir"
echo "check: passes"
echo "transposes: $(grep -c 'mil.transpose(' "$work.ane.mlir")"
"$bin/anec-opt" "$work.mlirbc" --pass-pipeline='builtin.module(func.func(anec-compute-in-fp16),canonicalize,func.func(anec-rms-norm-to-layer-norm,anec-split-attention,anec-limit-dimensions,anec-linear-to-conv,anec-channels-first),canonicalize,cse)' -o "$work.before.mlirbc" --emit-bytecode
"$bin/anec-run" "$work.before.mlirbc" --compare-pipeline='builtin.module(anec-attention-channels-first)' \
  --llm-inputs --int-max=2048 --call=prefill --call=decode --mode=fp16 --max-rel=0 |
  grep compare | sed 's/^/attention pass alone, fp16-faithful: /'
