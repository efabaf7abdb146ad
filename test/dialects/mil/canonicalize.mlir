// The algebra canonicalize applies to mil ops.
// RUN: anec-opt %s --canonicalize --split-input-file | %FileCheck %s

// add(x, 0) -> x ; mul(x, 1) -> x ; sub(x, 0) -> x ; real_div(x, 1) -> x ; pow(x, 1) -> x
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf16>)
// CHECK-NEXT: return %[[X]]
func.func @identities(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %zero = mil.const dense<0.0> : tensor<f16>
  %one = mil.const dense<1.0> : tensor<3xf16>
  %0 = mil.add(x = %x, y = %zero) : (tensor<2x3xf16>, tensor<f16>) -> tensor<2x3xf16>
  %1 = mil.mul(x = %one, y = %0) : (tensor<3xf16>, tensor<2x3xf16>) -> tensor<2x3xf16>
  %2 = mil.sub(x = %1, y = %zero) : (tensor<2x3xf16>, tensor<f16>) -> tensor<2x3xf16>
  %3 = mil.real_div(x = %2, y = %one) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  %4 = mil.pow(x = %3, y = %one) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  return %4 : tensor<2x3xf16>
}

// -----

// An identity that broadcasts x to a larger shape is not an identity.
// CHECK-LABEL: func.func @broadcasting_identity_kept
// CHECK: mil.add
func.func @broadcasting_identity_kept(%x: tensor<3xf16>) -> tensor<2x3xf16> {
  %zero = mil.const dense<0.0> : tensor<2x3xf16>
  %0 = mil.add(x = %x, y = %zero) : (tensor<3xf16>, tensor<2x3xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// mul(c1, c2) -> c, with broadcasting and rounding to fp16
// CHECK-LABEL: func.func @fold_constants
// CHECK-NEXT: %[[C:.*]] = mil.const dense<{{\[}}[1.000000e+00, 4.000000e+00], [3.000000e+00, 8.000000e+00]]> : tensor<2x2xf16>
// CHECK-NEXT: return %[[C]]
func.func @fold_constants() -> tensor<2x2xf16> {
  %a = mil.const dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf16>
  %b = mil.const dense<[1.0, 2.0]> : tensor<2xf16>
  %0 = mil.mul(x = %a, y = %b) : (tensor<2x2xf16>, tensor<2xf16>) -> tensor<2x2xf16>
  return %0 : tensor<2x2xf16>
}

// -----

// exp(c) and sqrt(c) fold; maximum/minimum of constants fold.
// CHECK-LABEL: func.func @fold_unary
// CHECK-NEXT: %[[C:.*]] = mil.const dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_unary() -> tensor<2xf32> {
  %a = mil.const dense<[4.0, 9.0]> : tensor<2xf32>
  %lo = mil.const dense<2.5> : tensor<f32>
  %0 = mil.sqrt(x = %a) : tensor<2xf32>
  %1 = mil.maximum(x = %0, y = %lo) : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  %2 = mil.minimum(x = %1, y = %0) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// reshape(reshape(x)) -> reshape(x); reshape to the same shape -> x
// CHECK-LABEL: func.func @reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x6xf16>)
// CHECK-NEXT: %[[R:.*]] = mil.reshape(x = %[[X]]) {shape = array<i64: 3, 4>} : (tensor<2x6xf16>) -> tensor<3x4xf16>
// CHECK-NEXT: return %[[R]], %[[X]]
func.func @reshapes(%x: tensor<2x6xf16>) -> (tensor<3x4xf16>, tensor<2x6xf16>) {
  %0 = mil.reshape(x = %x) {shape = array<i64: 12>} : (tensor<2x6xf16>) -> tensor<12xf16>
  %1 = mil.reshape(x = %0) {shape = array<i64: 3, 4>} : (tensor<12xf16>) -> tensor<3x4xf16>
  %2 = mil.reshape(x = %x) {shape = array<i64: 2, 6>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return %1, %2 : tensor<3x4xf16>, tensor<2x6xf16>
}

// -----

// transpose(transpose(x, p), q) -> transpose(x, p∘q); a pair that cancels disappears
// CHECK-LABEL: func.func @transposes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf16>)
// CHECK-NEXT: %[[T:.*]] = mil.transpose(x = %[[X]]) {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf16>) -> tensor<4x2x3xf16>
// CHECK-NEXT: return %[[T]], %[[X]]
func.func @transposes(%x: tensor<2x3x4xf16>) -> (tensor<4x2x3xf16>, tensor<2x3x4xf16>) {
  %0 = mil.transpose(x = %x) {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf16>) -> tensor<3x2x4xf16>
  %1 = mil.transpose(x = %0) {perm = array<i64: 2, 1, 0>} : (tensor<3x2x4xf16>) -> tensor<4x2x3xf16>
  %2 = mil.transpose(x = %x) {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf16>) -> tensor<2x4x3xf16>
  %3 = mil.transpose(x = %2) {perm = array<i64: 0, 2, 1>} : (tensor<2x4x3xf16>) -> tensor<2x3x4xf16>
  return %1, %3 : tensor<4x2x3xf16>, tensor<2x3x4xf16>
}

// -----

// transpose(c) -> c'
// CHECK-LABEL: func.func @fold_transpose
// CHECK-NEXT: mil.const dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
func.func @fold_transpose() -> tensor<2x2xf32> {
  %a = mil.const dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = mil.transpose(x = %a) {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// cast(cast(x, fp32), fp16) -> x (the widening is exact); cast(cast(x, fp16), fp32) is kept
// CHECK-LABEL: func.func @casts
// CHECK-SAME: (%[[H:.*]]: tensor<4xf16>, %[[F:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.*]] = mil.cast(x = %[[F]]) {dtype = "fp16"}
// CHECK-NEXT: %[[B:.*]] = mil.cast(x = %[[A]]) {dtype = "fp32"}
// CHECK-NEXT: return %[[H]], %[[B]]
func.func @casts(%h: tensor<4xf16>, %f: tensor<4xf32>) -> (tensor<4xf16>, tensor<4xf32>) {
  %0 = mil.cast(x = %h) {dtype = "fp32"} : (tensor<4xf16>) -> tensor<4xf32>
  %1 = mil.cast(x = %0) {dtype = "fp16"} : (tensor<4xf32>) -> tensor<4xf16>
  %2 = mil.cast(x = %f) {dtype = "fp16"} : (tensor<4xf32>) -> tensor<4xf16>
  %3 = mil.cast(x = %2) {dtype = "fp32"} : (tensor<4xf16>) -> tensor<4xf32>
  return %1, %3 : tensor<4xf16>, tensor<4xf32>
}

// -----

// cast(cast(x: i8, int32), fp16) -> cast(x, fp16)
// CHECK-LABEL: func.func @cast_chain
// CHECK-SAME: (%[[X:.*]]: tensor<4xi8>)
// CHECK-NEXT: %[[C:.*]] = mil.cast(x = %[[X]]) {dtype = "fp16"} : (tensor<4xi8>) -> tensor<4xf16>
// CHECK-NEXT: return %[[C]]
func.func @cast_chain(%x: tensor<4xi8>) -> tensor<4xf16> {
  %0 = mil.cast(x = %x) {dtype = "int32"} : (tensor<4xi8>) -> tensor<4xi32>
  %1 = mil.cast(x = %0) {dtype = "fp16"} : (tensor<4xi32>) -> tensor<4xf16>
  return %1 : tensor<4xf16>
}

// -----

// cast(c) -> c' (float to int truncates, as MIL does)
// CHECK-LABEL: func.func @fold_cast
// CHECK-NEXT: mil.const dense<[1, -2, 65504]> : tensor<3xi32>
func.func @fold_cast() -> tensor<3xi32> {
  %a = mil.const dense<[1.7, -2.9, 65504.0]> : tensor<3xf16>
  %0 = mil.cast(x = %a) {dtype = "int32"} : (tensor<3xf16>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// Weights held as resources are never folded (no copy into the context).
// CHECK-LABEL: func.func @resources_not_folded
// CHECK: mil.transpose
func.func @resources_not_folded() -> tensor<2x2xf16> {
  %w = mil.const dense_resource<w> : tensor<2x2xf16>
  %0 = mil.transpose(x = %w) {perm = array<i64: 1, 0>} : (tensor<2x2xf16>) -> tensor<2x2xf16>
  return %0 : tensor<2x2xf16>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x02000000003C004000420044"
    }
  }
#-}
