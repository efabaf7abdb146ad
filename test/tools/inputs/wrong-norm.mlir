// A deliberately wrong rewrite of anec-run-compare.mlir: RMSNorm replaced by
// LayerNorm (which also subtracts the mean). Compare mode must catch it.
func.func @main(%x: tensor<2x4x64xf16>) -> tensor<2x4x64xf16> {
  %c = mil.const dense<0.5> : tensor<f16>
  %y = mil.add(x = %x, y = %c) : (tensor<2x4x64xf16>, tensor<f16>) -> tensor<2x4x64xf16>
  %0 = mil.layer_norm(x = %y) {axes = array<i64: -1>} : (tensor<2x4x64xf16>) -> tensor<2x4x64xf16>
  return %0 : tensor<2x4x64xf16>
}
