// anec-attention-channels-first where the ops have no attention form: a
// swapped state read and returned (its value transposed back once),
// updated with a computed value (carried swapped), and a head value
// returned (the original kept). Numerics over two calls, the state
// carried: bit for bit.
// RUN: anec-opt %s --anec-attention-channels-first | %FileCheck %s
// RUN: anec-run %s --compare-pipeline='builtin.module(anec-attention-channels-first)' --call=odd --call=odd --max-rel=0 | %FileCheck %s --check-prefix=NUM
// NUM: odd compare 0: {{.*}} ok
// NUM: odd compare 1: {{.*}} ok
// NUM: odd compare 0: {{.*}} ok
// NUM: odd compare 1: {{.*}} ok
// CHECK-LABEL: func.func @odd
// CHECK-SAME: !mil.state<tensor<1x2x8x16xf16>> {mil.state_name = "cache"}
// CHECK: %[[READ:.*]] = mil.read_state(input = %arg1) : <tensor<1x2x8x16xf16>>
// CHECK: %[[BACK:.*]] = mil.transpose(x = %[[READ]]) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x16xf16>) -> tensor<1x2x16x8xf16>
// CHECK: %[[NEW:.*]] = mil.mul(x = %[[READ]], y = %{{.*}}) : (tensor<1x2x8x16xf16>, tensor<f16>) -> tensor<1x2x8x16xf16>
// CHECK: mil.coreml_update_state(state = %arg1, value = %[[NEW]]) : <tensor<1x2x8x16xf16>>
// CHECK: return %[[BACK]], %{{.*}} : tensor<1x2x16x8xf16>, tensor<1x2x4x16xf16>
func.func @odd(%x: tensor<1x32x1x4xf16> {mil.name = "x"}, %s: !mil.state<tensor<1x2x16x8xf16>> {mil.state_name = "cache"}) -> (tensor<1x2x16x8xf16>, tensor<1x2x4x16xf16>) {
  %w = mil.const dense<0.5> : tensor<32x32x1x1xf16>
  %c = mil.conv(x = %x, weight = %w) : (tensor<1x32x1x4xf16>, tensor<32x32x1x1xf16>) -> tensor<1x32x1x4xf16>
  %r = mil.reshape(x = %c) {shape = array<i64: 1, 2, 16, 4>} : (tensor<1x32x1x4xf16>) -> tensor<1x2x16x4xf16>
  %h = mil.transpose(x = %r) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x16x4xf16>) -> tensor<1x2x4x16xf16>
  %old = mil.read_state(input = %s) : <tensor<1x2x16x8xf16>>
  %two = mil.const dense<2.0> : tensor<f16>
  %new = mil.mul(x = %old, y = %two) : (tensor<1x2x16x8xf16>, tensor<f16>) -> tensor<1x2x16x8xf16>
  %u = mil.coreml_update_state(state = %s, value = %new) : <tensor<1x2x16x8xf16>>
  %e = mil.exp(x = %h) : tensor<1x2x4x16xf16>
  return %old, %e : tensor<1x2x16x8xf16>, tensor<1x2x4x16xf16>
}
