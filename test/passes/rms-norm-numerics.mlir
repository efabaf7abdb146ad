// Numerics of anec-rms-norm-to-layer-norm, run by anec-run before and after.
// fp32: the rewrite is exact up to rounding.
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-rms-norm-to-layer-norm))' --max-rel=1e-5 | %FileCheck %s --check-prefix=FP32
// FP32: compare 0: {{.*}} ok
// fp16-faithful on ordinary activations: within fp16 rounding (≥ 50 dB).
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-rms-norm-to-layer-norm))' --test-mode=fp16 --min-snr=50 | %FileCheck %s --check-prefix=FP16
// FP16: compare 0: {{.*}} ok
// Large activations (|x| ~ 1000): x² overflows fp16 in the plain form ...
// RUN: not anec-run %s --compare-pipeline='builtin.module(func.func(anec-rms-norm-to-layer-norm))' --test-mode=fp16 --input-scale=1000 --min-snr=40 | %FileCheck %s --check-prefix=PLAIN
// PLAIN: compare 0: {{.*}} EXCEEDED
// ... and the overflow-safe form keeps the numbers.
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-rms-norm-to-layer-norm{overflow-safe}))' --test-mode=fp16 --input-scale=1000 --min-snr=40 | %FileCheck %s --check-prefix=SAFE
// SAFE: compare 0: {{.*}} ok

func.func @main(%x: tensor<2x4x64xf16>) -> tensor<2x4x64xf16> {
  %g = mil.const dense<[0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0,
                        0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0,
                        0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0,
                        0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0, 0.5, 1.0, 1.5, 2.0]> : tensor<64xf16>
  %0 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: -1>, epsilon = 1.0e-5 : f32} : (tensor<2x4x64xf16>, tensor<64xf16>) -> tensor<2x4x64xf16>
  return %0 : tensor<2x4x64xf16>
}
