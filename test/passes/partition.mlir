// Legality: every reason the Neural Engine refuses an op, remarked at the
// op's location with the unit it got instead (tiny ops: the CPU, which has
// no dispatch cost).
// RUN: anec-opt %s --anec-partition="explain=true" --mlir-print-op-on-diagnostic=false -o %t.mlir 2>&1 | %FileCheck %s --check-prefix=WHY
// WHY-DAG: loc("fp32_add"): cpu: fp32 (the ANE computes in fp16 only)
// WHY-DAG: loc("dynamic_add"): cpu: dynamic shape (the ANE runs static shapes only)
// WHY-DAG: loc("wide_add"): cpu: dimension 20000 over the limit of 16384
// WHY-DAG: loc("erf"): cpu: op the ANE lacks (erf)
// WHY-DAG: loc("fast_gelu"): cpu: exotic activation (GELU TANH_APPROXIMATION)
// WHY-DAG: loc("rms"): cpu: no native RMSNorm (anec-rms-norm-to-layer-norm rewrites it)
// WHY-DAG: loc("int4_linear"): cpu: block-wise int4 weights (optimised for the GPU)
// WHY-DAG: loc("sdpa"): cpu: SDPA mask (the ANE ignores it)
// WHY-DAG: loc("odd_add"): cpu: the ANE could run it; the estimated total is lower with it here
// Alignment is a reason only where the caller asks (the direct-ANE path):
// Core ML pads an unaligned last axis itself.
// RUN: anec-opt %s --anec-partition="explain=true require-alignment=true" --mlir-print-op-on-diagnostic=false -o %t.unused 2>&1 | %FileCheck %s --check-prefix=ALIGN
// ALIGN: loc("odd_add"): cpu: last axis of 6 bytes is not 64-byte aligned
//
// Every op gets its unit; constants follow their user.
// RUN: %FileCheck %s --input-file=%t.mlir --check-prefix=ATTR
// ATTR-LABEL: func.func @int4
// ATTR: mil.const {{.*}}mil.compute_unit = "cpu"
// ATTR: mil.linear{{.*}}mil.compute_unit = "cpu"
// ATTR-LABEL: func.func @gap_splits
// ATTR: mil.linear{{.*}}mil.compute_unit = "ane"
// ATTR: mil.erf{{.*}}mil.compute_unit = "cpu"
//
// Segments: one op the ANE lacks amid cheap element-wise ops on 512 KiB
// tensors: two crossings would cost more than the ANE saves, so the whole
// block moves (one segment). Amid large linears the ANE's 18.8 TFLOPS
// outweigh two crossings: three segments.
// RUN: anec-opt %s --anec-partition="report-file=%t.json" -o %t.unused
// RUN: %FileCheck %s --input-file=%t.json --check-prefix=REPORT
// REPORT: "compute_units": "all",
// Per-call estimates come from the prefill and decode functions (none here).
// REPORT: "estimate": {
// REPORT-NEXT: "label": "estimate from the target's figures, not a measurement"
// REPORT: "name": "gap_joins",
// REPORT-NEXT: "ops": 5,
// REPORT-NEXT: "segments": 1,
// REPORT-NEXT: "transitions": 0
// REPORT: "name": "gap_splits",
// REPORT-NEXT: "ops": 5,
// REPORT-NEXT: "segments": 3,
// REPORT-NEXT: "transitions": 2
// REPORT: "ops": [
// REPORT: "compute_unit": "ane",
// REPORT-NEXT: "estimated_ms": 0.057{{[0-9]*}},
// REPORT-NEXT: "flops": 1073741824,
// REPORT-NEXT: "function": "gap_splits",
// REPORT-NEXT: "location": "loc(\"linear1\")",
// REPORT-NEXT: "op": "mil.linear",
// REPORT-NEXT: "reason": "",
// REPORT-NEXT: "weight_bytes": 2097152
// REPORT: "residency": {
// REPORT-NEXT: "ane_flops_fraction": 0.9{{[0-9]+}},
// REPORT-NEXT: "ane_ops_fraction": 0.{{[0-9]+}}
// REPORT: "segments": [
// REPORT: "target": {
// REPORT-NEXT: "key": "m4",
// REPORT-NEXT: "name": "Apple M4"
// REPORT: "transitions": 2
// Without the GPU (Core ML's cpuAndNeuralEngine) the gap goes to the CPU.
// RUN: anec-opt %s --anec-partition="compute-units=cpu_and_ne explain=true" --mlir-print-op-on-diagnostic=false -o %t.unused 2>&1 | %FileCheck %s --check-prefix=NOGPU
// NOGPU-NOT: gpu:
//
// Outlined, the segments are region ops whose operands and results are the
// transfers; the program computes exactly what it did, and inlining gives
// the flat program back.
// RUN: anec-opt %s --anec-partition --anec-outline-segments -o %t.seg.mlir
// RUN: %FileCheck %s --input-file=%t.seg.mlir --check-prefix=SEG
// SEG-LABEL: func.func @gap_splits
// SEG: %[[A:.*]] = mil.segment "ane"(%arg0) : (tensor<512x1024xf16>) -> tensor<512x1024xf16> {
// SEG: mil.const
// SEG: mil.linear
// SEG: mil.linear
// SEG: mil.yield
// SEG: %[[B:.*]] = mil.segment "cpu"(%[[A]])
// SEG: mil.erf
// SEG: %[[C:.*]] = mil.segment "ane"(%[[B]])
// SEG: return %[[C]]
// RUN: anec-run %s --function=gap_splits --compare=%t.seg.mlir --max-rel=0 | %FileCheck %s --check-prefix=SAME
// RUN: anec-run %s --function=gap_joins --compare=%t.seg.mlir --max-rel=0 | %FileCheck %s --check-prefix=SAME
// SAME: compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// RUN: anec-run %t.seg.mlir --function=gap_splits --compare-pipeline='builtin.module(func.func(anec-inline-segments))' --max-rel=0 | %FileCheck %s --check-prefix=SAME
// RUN: anec-opt %t.seg.mlir --anec-inline-segments --canonicalize | %FileCheck %s --check-prefix=FLAT
// FLAT-NOT: mil.segment
// FLAT-LABEL: func.func @gap_splits
// FLAT-COUNT-4: mil.linear
//
// Bad options and targets are errors.
// RUN: not anec-opt %s --anec-partition="target=m99" -o %t.unused 2>&1 | %FileCheck %s --check-prefix=BADTARGET
// BADTARGET: error: unknown target 'm99' (built in: a17-pro, m1, m2, m3, m4, m4-max, m4-pro; or a target .json file)
// RUN: not anec-opt %s --anec-partition="compute-units=npu" -o %t.unused 2>&1 | %FileCheck %s --check-prefix=BADUNITS
// BADUNITS: error: compute-units must be all, cpu_and_ne, cpu_and_gpu or cpu_only, got 'npu'
// RUN: echo '{"name": "x", "ane": {}}' > %t.target.json
// RUN: not anec-opt %s --anec-partition="target=%t.target.json" -o %t.unused 2>&1 | %FileCheck %s --check-prefix=BADFILE
// BADFILE: error: {{.*}}target.json: missing the 'gpu' section
// RUN: not anec-opt %s --anec-outline-segments -o %t.unused 2>&1 | %FileCheck %s --check-prefix=NOUNITS
// NOUNITS: error: loc("fp32_add"): has no mil.compute_unit: run anec-partition first

func.func @fp32(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %0 = mil.add(x = %x, y = %x) : (tensor<4x32xf32>, tensor<4x32xf32>) -> tensor<4x32xf32> loc("fp32_add")
  return %0 : tensor<4x32xf32>
}
func.func @dynamic(%x: tensor<?x32xf16>) -> tensor<?x32xf16> {
  %0 = mil.add(x = %x, y = %x) : (tensor<?x32xf16>, tensor<?x32xf16>) -> tensor<?x32xf16> loc("dynamic_add")
  return %0 : tensor<?x32xf16>
}
func.func @wide(%x: tensor<1x20000xf16>) -> tensor<1x20000xf16> {
  %0 = mil.add(x = %x, y = %x) : (tensor<1x20000xf16>, tensor<1x20000xf16>) -> tensor<1x20000xf16> loc("wide_add")
  return %0 : tensor<1x20000xf16>
}
func.func @lacks(%x: tensor<1x4x32xf16>) -> tensor<1x4x32xf16> {
  %0 = mil.erf(x = %x) : tensor<1x4x32xf16> loc("erf")
  %1 = mil.gelu(x = %0) {mode = "TANH_APPROXIMATION"} : tensor<1x4x32xf16> loc("fast_gelu")
  %g = mil.const dense<1.0> : tensor<32xf16>
  %2 = mil.rms_norm(x = %1, gamma = %g) {axes = array<i64: -1>} : (tensor<1x4x32xf16>, tensor<32xf16>) -> tensor<1x4x32xf16> loc("rms")
  return %2 : tensor<1x4x32xf16>
}
func.func @int4(%x: tensor<4x32xf16>) -> tensor<4x32xf16> {
  %d = mil.const dense<1> : tensor<32x32xi4>
  %s = mil.const dense<0.5> : tensor<32x1xf16>
  %w = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s) : (tensor<32x32xi4>, tensor<32x1xf16>) -> tensor<32x32xf16>
  %0 = mil.linear(x = %x, weight = %w) : (tensor<4x32xf16>, tensor<32x32xf16>) -> tensor<4x32xf16> loc("int4_linear")
  return %0 : tensor<4x32xf16>
}
func.func @masked(%q: tensor<1x4x32xf16>, %m: tensor<4x4xf16>) -> tensor<1x4x32xf16> {
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q, attn_mask = %m) : (tensor<1x4x32xf16>, tensor<1x4x32xf16>, tensor<1x4x32xf16>, tensor<4x4xf16>) -> tensor<1x4x32xf16> loc("sdpa")
  return %0 : tensor<1x4x32xf16>
}
func.func @unaligned(%x: tensor<4x3xf16>) -> tensor<4x3xf16> {
  %0 = mil.add(x = %x, y = %x) : (tensor<4x3xf16>, tensor<4x3xf16>) -> tensor<4x3xf16> loc("odd_add")
  return %0 : tensor<4x3xf16>
}
func.func @gap_joins(%x: tensor<64x4096xf16>) -> tensor<64x4096xf16> {
  %0 = mil.mul(x = %x, y = %x) : (tensor<64x4096xf16>, tensor<64x4096xf16>) -> tensor<64x4096xf16> loc("mul1")
  %1 = mil.add(x = %0, y = %x) : (tensor<64x4096xf16>, tensor<64x4096xf16>) -> tensor<64x4096xf16> loc("add1")
  %2 = mil.erf(x = %1) : tensor<64x4096xf16> loc("gap")
  %3 = mil.add(x = %2, y = %1) : (tensor<64x4096xf16>, tensor<64x4096xf16>) -> tensor<64x4096xf16> loc("add2")
  %4 = mil.mul(x = %3, y = %2) : (tensor<64x4096xf16>, tensor<64x4096xf16>) -> tensor<64x4096xf16> loc("mul2")
  return %4 : tensor<64x4096xf16>
}
func.func @gap_splits(%x: tensor<512x1024xf16>) -> tensor<512x1024xf16> {
  %w = mil.const dense<0.001> : tensor<1024x1024xf16>
  %0 = mil.linear(x = %x, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear1")
  %1 = mil.linear(x = %0, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear2")
  %2 = mil.erf(x = %1) : tensor<512x1024xf16> loc("gap")
  %3 = mil.linear(x = %2, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear3")
  %4 = mil.linear(x = %3, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear4")
  return %4 : tensor<512x1024xf16>
}
