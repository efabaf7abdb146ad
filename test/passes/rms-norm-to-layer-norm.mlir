// RUN: anec-opt %s --split-input-file --anec-rms-norm-to-layer-norm | %FileCheck %s
// RUN: anec-opt %s --split-input-file --anec-rms-norm-to-layer-norm=overflow-safe | %FileCheck %s --check-prefix=SAFE

// rms_norm over the last axis: concat([x, -x]), layer_norm without affine,
// the first half, times gamma.
// CHECK-LABEL: func.func @last_axis
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x8xf16>, %[[G:.*]]: tensor<8xf16>)
// CHECK: %[[NEG1:.*]] = mil.const dense<-1.000000e+00> : tensor<f16>
// CHECK: %[[NEG:.*]] = mil.mul(x = %[[X]], y = %[[NEG1]])
// CHECK: %[[CAT:.*]] = mil.concat(values = (%[[X]], %[[NEG]])) {axis = 2 : i64} : (tensor<1x4x8xf16>, tensor<1x4x8xf16>) -> tensor<1x4x16xf16>
// CHECK: %[[LN:.*]] = mil.layer_norm(x = %[[CAT]]) {axes = array<i64: 2>, epsilon = 9.99999997E-7 : f32} : (tensor<1x4x16xf16>) -> tensor<1x4x16xf16>
// CHECK: %[[HALF:.*]] = mil.slice_by_size(x = %[[LN]]) {begin = array<i64: 0, 0, 0>, size = array<i64: 1, 4, 8>}
// CHECK: %[[OUT:.*]] = mil.mul(x = %[[HALF]], y = %[[G]]) : (tensor<1x4x8xf16>, tensor<8xf16>) -> tensor<1x4x8xf16>
// CHECK: return %[[OUT]]
// CHECK-NOT: mil.rms_norm
// SAFE-LABEL: func.func @last_axis
// SAFE: %[[ABS:.*]] = mil.abs
// SAFE: %[[MAX:.*]] = mil.reduce_max(x = %[[ABS]]) {axes = array<i64: 2>, keep_dims = true}
// SAFE: %[[CLAMP:.*]] = mil.maximum(x = %[[MAX]]
// SAFE: %[[SCALED:.*]] = mil.real_div(x = %{{.*}}, y = %[[CLAMP]])
// SAFE: mil.concat(values = (%[[SCALED]], %{{.*}}))
// SAFE: mil.layer_norm
func.func @last_axis(%x: tensor<1x4x8xf16>, %g: tensor<8xf16>) -> tensor<1x4x8xf16> {
  %0 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: -1>, epsilon = 1.0e-6 : f32} : (tensor<1x4x8xf16>, tensor<8xf16>) -> tensor<1x4x8xf16>
  return %0 : tensor<1x4x8xf16>
}

// -----

// Over the channel axis of (B, C, 1, S): gamma is reshaped to [C, 1, 1].
// CHECK-LABEL: func.func @channel_axis
// CHECK: mil.concat(values = (%{{.*}}, %{{.*}})) {axis = 1 : i64} : (tensor<1x8x1x4xf32>, tensor<1x8x1x4xf32>) -> tensor<1x16x1x4xf32>
// CHECK: mil.layer_norm(x = %{{.*}}) {axes = array<i64: 1>}
// CHECK: %[[G:.*]] = mil.reshape(x = %{{.*}}) {shape = array<i64: 8, 1, 1>} : (tensor<8xf32>) -> tensor<8x1x1xf32>
// CHECK: mil.mul(x = %{{.*}}, y = %[[G]]) : (tensor<1x8x1x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x1x4xf32>
func.func @channel_axis(%x: tensor<1x8x1x4xf32>, %g: tensor<8xf32>) -> tensor<1x8x1x4xf32> {
  %0 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: 1>} : (tensor<1x8x1x4xf32>, tensor<8xf32>) -> tensor<1x8x1x4xf32>
  return %0 : tensor<1x8x1x4xf32>
}

// -----

// x * rsqrt(reduce_mean(square(x)) + eps) is raised and rewritten.
// CHECK-LABEL: func.func @decomposed_rsqrt
// CHECK-NOT: mil.rsqrt
// CHECK-NOT: mil.reduce_mean
// CHECK: mil.layer_norm(x = %{{.*}}) {axes = array<i64: 1>} : (tensor<3x32xf32>) -> tensor<3x32xf32>
// CHECK-NOT: mil.rsqrt
func.func @decomposed_rsqrt(%x: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %eps = mil.const dense<1.0e-5> : tensor<f32>
  %0 = mil.square(x = %x) : tensor<3x16xf32>
  %1 = mil.reduce_mean(x = %0) {axes = array<i64: -1>, keep_dims = true} : (tensor<3x16xf32>) -> tensor<3x1xf32>
  %2 = mil.add(x = %1, y = %eps) : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %3 = mil.rsqrt(x = %2) {epsilon = 0.0 : f32} : tensor<3x1xf32>
  %4 = mil.mul(x = %x, y = %3) : (tensor<3x16xf32>, tensor<3x1xf32>) -> tensor<3x16xf32>
  return %4 : tensor<3x16xf32>
}

// -----

// pow(mean(x·x) + eps, -0.5) on the left of the product.
// CHECK-LABEL: func.func @decomposed_pow
// CHECK-NOT: mil.pow
// CHECK: mil.layer_norm(x = %{{.*}}) {axes = array<i64: 1>, epsilon = 9.99999997E-7 : f32}
func.func @decomposed_pow(%x: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %eps = mil.const dense<1.0e-6> : tensor<1xf32>
  %half = mil.const dense<-0.5> : tensor<f32>
  %0 = mil.mul(x = %x, y = %x) : (tensor<3x16xf32>, tensor<3x16xf32>) -> tensor<3x16xf32>
  %1 = mil.reduce_mean(x = %0) {axes = array<i64: 1>, keep_dims = true} : (tensor<3x16xf32>) -> tensor<3x1xf32>
  %2 = mil.add(x = %eps, y = %1) : (tensor<1xf32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  %3 = mil.pow(x = %2, y = %half) : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %4 = mil.mul(x = %3, y = %x) : (tensor<3x1xf32>, tensor<3x16xf32>) -> tensor<3x16xf32>
  return %4 : tensor<3x16xf32>
}

// -----

// x / sqrt(mean(pow(x, 2)) + eps), normalised over axis 0.
// CHECK-LABEL: func.func @decomposed_div
// CHECK-NOT: mil.sqrt
// CHECK: mil.concat(values = (%{{.*}}, %{{.*}})) {axis = 0 : i64}
// CHECK: mil.layer_norm(x = %{{.*}}) {axes = array<i64: 0>
func.func @decomposed_div(%x: tensor<16x3xf32>) -> tensor<16x3xf32> {
  %eps = mil.const dense<1.0e-6> : tensor<f32>
  %two = mil.const dense<2.0> : tensor<f32>
  %0 = mil.pow(x = %x, y = %two) : (tensor<16x3xf32>, tensor<f32>) -> tensor<16x3xf32>
  %1 = mil.reduce_mean(x = %0) {axes = array<i64: 0>, keep_dims = true} : (tensor<16x3xf32>) -> tensor<1x3xf32>
  %2 = mil.add(x = %1, y = %eps) : (tensor<1x3xf32>, tensor<f32>) -> tensor<1x3xf32>
  %3 = mil.sqrt(x = %2) : tensor<1x3xf32>
  %4 = mil.real_div(x = %x, y = %3) : (tensor<16x3xf32>, tensor<1x3xf32>) -> tensor<16x3xf32>
  return %4 : tensor<16x3xf32>
}

// -----

// Not an RMSNorm: the mean of squares is of another tensor.
// CHECK-LABEL: func.func @not_rms_norm
// CHECK: mil.rsqrt
// CHECK-NOT: mil.layer_norm
func.func @not_rms_norm(%x: tensor<3x16xf32>, %y: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %0 = mil.square(x = %y) : tensor<3x16xf32>
  %1 = mil.reduce_mean(x = %0) {axes = array<i64: -1>, keep_dims = true} : (tensor<3x16xf32>) -> tensor<3x1xf32>
  %2 = mil.rsqrt(x = %1) : tensor<3x1xf32>
  %3 = mil.mul(x = %x, y = %2) : (tensor<3x16xf32>, tensor<3x1xf32>) -> tensor<3x16xf32>
  return %3 : tensor<3x16xf32>
}
