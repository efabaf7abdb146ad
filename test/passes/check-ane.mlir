// RUN: anec-opt %s --split-input-file --anec-check-ane="max-dim=64" -verify-diagnostics

// RUN: anec-opt %s --split-input-file --anec-check-ane="warn-only=true max-dim=64" -o /dev/null 2>&1 | %FileCheck %s --check-prefix=WARN
// WARN: warning: 'mil.rms_norm' rms_norm has no ANE form; run anec-rms-norm-to-layer-norm

// An ANE-shaped program passes: a 1x1 conv over (B, C, 1, S) with aligned
// last axes, fp16.
func.func @ane_shaped(%x: tensor<1x64x1x32xf16>, %w: tensor<64x64x1x1xf16>) -> tensor<1x64x1x32xf16> {
  %0 = mil.conv(x = %x, weight = %w) : (tensor<1x64x1x32xf16>, tensor<64x64x1x1xf16>) -> tensor<1x64x1x32xf16>
  %1 = mil.silu(x = %0) : tensor<1x64x1x32xf16>
  return %1 : tensor<1x64x1x32xf16>
}

// -----

func.func @not_ane_shaped(%x: tensor<1x8x32xf32>, %g: tensor<32xf32>, %h: tensor<1x8x40xf16>) {
  %w = mil.const dense<1.0> : tensor<40x32xf32>
  // expected-error@+1 {{'mil.const' has a dimension of 100, above the target's limit of 64}}
  %big = mil.const dense<1.0> : tensor<100x8xf16>
  // expected-error@+2 {{'mil.rms_norm' rms_norm has no ANE form; run anec-rms-norm-to-layer-norm}}
  // expected-error@+1 {{'mil.rms_norm' computes in fp32; the ANE runs fp16}}
  %0 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: -1>} : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // expected-error@+3 {{'mil.linear' has a last axis of 40 elements (160 bytes), not a multiple of 64 bytes}}
  // expected-error@+2 {{'mil.linear' computes in fp32}}
  // expected-error@+1 {{'mil.linear' is a linear layer, not a 1x1 conv over (B, C, 1, S)}}
  %1 = mil.linear(x = %0, weight = %w) : (tensor<1x8x32xf32>, tensor<40x32xf32>) -> tensor<1x8x40xf32>
  // expected-error@+1 {{'mil.sigmoid' has a last axis of 40 elements (80 bytes), not a multiple of 64 bytes}}
  %2 = mil.sigmoid(x = %h) : tensor<1x8x40xf16>
  return
}
