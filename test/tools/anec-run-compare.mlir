// Compare mode passes a module against itself and catches a wrong rewrite.
// RUN: anec-run %s --compare=%s --max-rel=0 | %FileCheck %s --check-prefix=SAME
// SAME: main compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// RUN: not anec-run %s --compare=%S/inputs/wrong-norm.mlir --max-rel=1e-3 | %FileCheck %s --check-prefix=WRONG
// WRONG: main compare 0: {{.*}} EXCEEDED (max_rel > 0.001)
// RUN: not anec-run %s --input=%S/missing.npy 2>&1 | %FileCheck %s --check-prefix=MISSING
// MISSING: anec-run: error: {{.*}}missing.npy: cannot open
func.func @main(%x: tensor<2x4x64xf16>) -> tensor<2x4x64xf16> {
  // The mean of x is not 0, so RMSNorm and LayerNorm differ.
  %c = mil.const dense<0.5> : tensor<f16>
  %y = mil.add(x = %x, y = %c) : (tensor<2x4x64xf16>, tensor<f16>) -> tensor<2x4x64xf16>
  %0 = mil.rms_norm(x = %y) {axes = array<i64: -1>} : (tensor<2x4x64xf16>) -> tensor<2x4x64xf16>
  return %0 : tensor<2x4x64xf16>
}
