#!/usr/bin/env bash
# Weight compression against quality on the built-in tiny model: for each
# --weights format, the bits per weight `anec compile` reports and the top-1
# agreement and mean KL of the compiled program's logits against the
# uncompressed imported program (fp16-faithful, 258 positions: four 64-token
# prefills and two decode steps).
# With --real-weights (after build-dir), the model is a tied Llama made of the
# real trained tensors of ../shared/data/use-lite
# (utils/models/make-real-weights-llama.py): weights with the statistics of
# trained ones, where the tiny model's are Gaussian.
#   bash utils/bench-compression.sh [build-dir] [--real-weights] [formats...]
set -euo pipefail
build=${1:-build}
shift || true
real=0
if [ "${1:-}" = "--real-weights" ]; then
  real=1
  shift
fi
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(fp16 int8 int8-per-channel lut8 lut6 lut4 mixed:3.5 lut3 lut2)
bin=$build/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vocab=16501  # the tiny model: ids up to 16500, as before
if [ $real = 1 ]; then
  /usr/bin/python3 "$(dirname "$0")/models/make-real-weights-llama.py" "$work/tiny" > /dev/null
  vocab=8002
else
  "$bin/anec-translate" --quiet --make-tiny-model "$work/tiny"
fi
"$bin/anec-translate" --quiet --import-hf "$work/tiny" -o "$work/tiny.mlir"
printf '%-18s %14s %8s %10s\n' weights bits/weight top-1 "mean KL"
for w in "${formats[@]}"; do
  out=$work/${w//:/_}.mlpackage
  bits=$("$bin/anec" compile "$work/tiny" -o "$out" --weights="$w" 2>&1 |
         sed -n 's/^  weights .* \([0-9.]*\) bits per weight.*/\1/p')
  line=$("$bin/anec-run" "$work/tiny.mlir" --compare="$out" --test-mode=fp16 --logits \
         --llm-inputs --int-max=$((vocab - 1)) --call=prefill --call=prefill --call=prefill \
         --call=prefill --call=decode --call=decode | grep '^overall')
  top1=$(sed -n 's/.*top1 \([0-9.]*%\).*/\1/p' <<<"$line")
  kl=$(sed -n 's/.* kl \([0-9.e+-]*\) .*/\1/p' <<<"$line")
  printf '%-18s %14s %8s %10s\n' "$w" "$bits" "$top1" "$kl"
done
