// RUN: anec-opt %s --split-input-file --anec-split-attention | %FileCheck %s
// RUN: anec-opt %s --split-input-file --anec-split-attention=heads-per-chunk=2 | %FileCheck %s --check-prefix=CHUNK2
// Numerics: fp32 to rounding, fp16-faithful within 50 dB.
// RUN: anec-run %S/../../utils/models/llama-block.mlir --compare-pipeline='builtin.module(func.func(anec-split-attention))' --max-rel=1e-5 | %FileCheck %s --check-prefix=FP32
// FP32: compare 0: {{.*}} ok
// RUN: anec-run %S/../../utils/models/llama-block.mlir --compare-pipeline='builtin.module(func.func(anec-split-attention))' --test-mode=fp16 --min-snr=50 | %FileCheck %s --check-prefix=FP16
// FP16: compare 0: {{.*}} ok

// Two heads, a float mask: per-head matmul with K transposed, explicit add of
// the mask, softmax on the last axis, heads concatenated.
// CHECK-LABEL: func.func @float_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf16>, %[[K:.*]]: tensor<1x2x6x8xf16>, %[[V:.*]]: tensor<1x2x6x3xf16>, %[[M:.*]]: tensor<4x6xf16>)
// CHECK-DAG: %[[SCALE:.*]] = mil.const dense<3.535160e-01> : tensor<f16>
// CHECK: %[[Q0:.*]] = mil.slice_by_size(x = %[[Q]]) {begin = array<i64: 0, 0, 0, 0>, size = array<i64: 1, 1, 4, 8>}
// CHECK: %[[QS:.*]] = mil.mul(x = %[[Q0]], y = %[[SCALE]])
// CHECK: %[[K0:.*]] = mil.slice_by_size(x = %[[K]])
// CHECK: %[[V0:.*]] = mil.slice_by_size(x = %[[V]])
// CHECK: %[[S:.*]] = mil.matmul(x = %[[QS]], y = %[[K0]]) {transpose_y = true} : (tensor<1x1x4x8xf16>, tensor<1x1x6x8xf16>) -> tensor<1x1x4x6xf16>
// CHECK: %[[SM:.*]] = mil.add(x = %[[S]], y = %[[M]])
// CHECK: %[[P:.*]] = mil.softmax(x = %[[SM]]) : (tensor<1x1x4x6xf16>) -> tensor<1x1x4x6xf16>
// CHECK: %[[O0:.*]] = mil.matmul(x = %[[P]], y = %[[V0]]) : (tensor<1x1x4x6xf16>, tensor<1x1x6x3xf16>) -> tensor<1x1x4x3xf16>
// CHECK: %[[O:.*]] = mil.concat(values = (%[[O0]], %{{.*}})) {axis = 1 : i64} : (tensor<1x1x4x3xf16>, tensor<1x1x4x3xf16>) -> tensor<1x2x4x3xf16>
// CHECK: return %[[O]]
// CHECK-NOT: scaled_dot_product_attention
// CHUNK2-LABEL: func.func @float_mask
// CHUNK2-NOT: slice_by_size
// CHUNK2: mil.matmul({{.*}}) {transpose_y = true} : (tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>) -> tensor<1x2x4x6xf16>
// CHUNK2-NOT: concat
func.func @float_mask(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x6x8xf16>, %v: tensor<1x2x6x3xf16>, %m: tensor<4x6xf16>) -> tensor<1x2x4x3xf16> {
  %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %v, attn_mask = %m) : (tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>, tensor<1x2x6x3xf16>, tensor<4x6xf16>) -> tensor<1x2x4x3xf16>
  return %0 : tensor<1x2x4x3xf16>
}

// -----

// A bool mask (true keeps) becomes (cast(mask) - 1) * 1e4.
// CHECK-LABEL: func.func @bool_mask
// CHECK: %[[C:.*]] = mil.cast(x = %{{.*}}) {dtype = "fp32"} : (tensor<3x3xi1>) -> tensor<3x3xf32>
// CHECK: %[[D:.*]] = mil.sub(x = %[[C]], y = %{{.*}})
// CHECK: %[[A:.*]] = mil.mul(x = %[[D]], y = %{{.*}})
// CHECK: mil.add(x = %{{.*}}, y = %[[A]])
func.func @bool_mask(%q: tensor<1x3x4xf32>, %m: tensor<3x3xi1>) -> tensor<1x3x4xf32> {
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q, attn_mask = %m) : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<3x3xi1>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}
