#!/usr/bin/env bash
# Writes seed corpora for every fuzz target into OUT/<target>/: valid inputs
# made by anec's own generators and exporters, and the hostile inputs of the
# test suite's bad-input corpora. Usage: utils/make-fuzz-seeds.sh BUILD OUT
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$1/bin"
out="$2"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"/{safetensors,config,target,gguf,mil-text,mlmodel,milblob,mlir,pipeline,plist,hwx}

# Checkpoints (small ones: a fuzzer wants small inputs).
$py "$root/test/import/make_checkpoint.py" llama F16 "$tmp/ck" --dims=32,64,1,2,1,16,40
cp "$tmp/ck/model.safetensors" "$out/safetensors/valid"
"$bin/anec-translate" --quiet --make-tiny-model "$tmp/tiny"
$py "$root/test/import/make_bad_checkpoints.py" "$tmp/tiny" "$tmp/bad"
for d in "$tmp"/bad/*/; do
  n=$(basename "$d")
  [ -f "$d/model.safetensors" ] && head -c 65536 "$d/model.safetensors" > "$out/safetensors/$n"
  cp "$d/config.json" "$out/config/$n"
done
for m in "$root"/../shared/models/*/config.json; do cp "$m" "$out/config/$(basename "$(dirname "$m")")"; done

# GGUF.
$py "$root/test/import/make_gguf.py" "$tmp/ck" "$out/gguf/valid" "$tmp/deq" 2>/dev/null || \
  { $py "$root/test/import/make_checkpoint.py" llama F32 "$tmp/ck32" --dims=32,64,1,2,1,16,40;
    $py "$root/test/import/make_gguf.py" "$tmp/ck32" "$out/gguf/valid" "$tmp/deq"; }
$py "$root/test/import/make_checkpoint.py" llama F32 "$tmp/ck32" --dims=32,64,1,2,1,16,40
for k in magic version counts string-length huge-dims type offset arch q8-rows truncated; do
  $py "$root/test/import/make_gguf.py" "$tmp/ck32" "$out/gguf/$k" "$tmp/deq-$k" --corrupt=$k
done

# MIL text, protobuf and weight blobs of a small exported program.
"$bin/anec-translate" --quiet --import-hf "$tmp/ck" --prefill=2 --context=4 -o "$tmp/m.mlir"
"$bin/anec-opt" "$tmp/m.mlir" --anec-ane-pipeline --mlir-print-debuginfo -o "$tmp/m.ane.mlir"
"$bin/anec-translate" --mil-to-mil-text "$tmp/m.ane.mlir" -o "$tmp/m.mil"
"$bin/anec-translate" --mil-to-mlpackage "$tmp/m.ane.mlir" -o "$tmp/m.mlpackage"
cp "$tmp/m.mil/model.mil" "$out/mil-text/valid"
cp "$tmp/m.mlpackage/Data/com.apple.CoreML/model.mlmodel" "$out/mlmodel/valid"
cp "$tmp/m.mil/weights/weight.bin" "$out/milblob/valid"
head -c 1000 "$tmp/m.mil/weights/weight.bin" > "$out/milblob/truncated"
printf 'garbage' > "$out/mlmodel/garbage"

# Target descriptions: the built-in ones and broken variants.
for t in "$root"/targets/*.json; do cp "$t" "$out/target/$(basename "$t")"; done
printf '{"name": "x", "ane": {"fp16_tflops": -1}}' > "$out/target/negative"
printf '{"name": "x", "ane": ' > "$out/target/truncated"
printf '[1, 2, 3]' > "$out/target/not-an-object"
printf '{"name": "x", "ane": {"fp16_tflops": 1e308, "int8_tops": "fast"}, "gpu": {}, "cpu": {}, "transfer": {}}' > "$out/target/wrong-types"
# Nested tens of thousands deep (RELIABILITY: hostile input).
"$py" -c "print('[' * 50000 + ']' * 50000)" > "$out/target/deep"
"$py" -c "print('{\"a\": ' * 30000 + '1' + '}' * 30000)" > "$out/config/deep"

# The dialect's own lit inputs; for the pipeline, those and a small
# imported model (prefill and decode with a KV cache).
for f in "$root"/test/dialects/mil/*.mlir "$root"/test/passes/*.mlir; do
  cp "$f" "$out/mlir/$(basename "$f")"
  cp "$f" "$out/pipeline/$(basename "$f")"
done
cp "$tmp/m.mlir" "$out/pipeline/model"
# Hostile programs: nesting deeper than the parser's stack (text and
# bytecode; the model as bytecode beside them), a perm counted
# from the end, a tensor type no memory holds, a long chain of ops.
"$py" -c "print('module {' * 20000 + '}' * 20000)" > "$out/mlir/deep"
cp "$out/mlir/deep" "$out/pipeline/deep"
for f in "$root"/test/tools/inputs/negative-perm.mlir "$root"/test/tools/inputs/huge-tensor.mlir \
         "$root"/test/tools/inputs/deep-regions.mlirbc "$root"/test/tools/inputs/deep-attributes.mlirbc; do
  cp "$f" "$out/mlir/$(basename "$f")"
  cp "$f" "$out/pipeline/$(basename "$f")"
done
"$py" "$root/test/tools/make_chain.py" 20000 > "$out/pipeline/chain"
"$bin/anec-opt" --emit-bytecode "$tmp/m.mlir" -o "$out/mlir/model.mlirbc"
# Espresso networks and Apple's .hwx programs: the goldens where ../shared
# is beside the checkout, anec's own .hwx, and broken variants.
golden="$root/../shared/data/hwx-h13"
if [ -d "$golden" ]; then
  for f in "$golden"/2_compile/net.plist "$golden"/2_compile/plists/*.plist "$golden"/2_compile/simple/*.plist; do
    cp "$f" "$out/plist/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  for f in "$golden"/ops/*.hwx "$golden"/2_compile/model.hwx.golden; do cp "$f" "$out/hwx/$(basename "$f")"; done
  $py "$root/test/hwx/make_bad_hwx.py" "$golden/2_compile/model.hwx.golden" "$tmp/badhwx"
  for f in "$tmp"/badhwx/*; do cp "$f" "$out/hwx/bad-$(basename "$f")"; done
fi
$py "$root/test/hwx/make_block.py" "$tmp/tiny" model.layers.0.mlp.gate_proj.weight "$tmp/block.mlir" "$tmp/block.npy"
"$bin/anec" compile "$tmp/block.mlir" --format=hwx --target=m1 -o "$out/hwx/anec-block.hwx" --quiet
"$py" -c "print('<plist>' + '<array>' * 1000 + '</array>' * 1000 + '</plist>')" > "$out/plist/deep"
printf '<plist><dict><key>Networks</key><array><string>n' > "$out/plist/truncated"
printf '<plist><dict><key>a</key><integer>99999999999999999999</integer></dict></plist>' > "$out/plist/big-integer"
# Committed regressions (inputs that once crashed or hung).
cp -r "$root"/test/fuzz/regressions/. "$out/" 2>/dev/null || true
echo "seeds in $out"
