// Two large linears, an op the ANE lacks, two more: anec-partition keeps the
// linears on the ANE and moves the gap (test/tools/graph.test).
func.func @main(%x: tensor<512x1024xf16>) -> tensor<512x1024xf16> {
  %w = mil.const dense<0.001> : tensor<1024x1024xf16> loc("w")
  %0 = mil.linear(x = %x, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear1")
  %1 = mil.linear(x = %0, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear2")
  %2 = mil.erf(x = %1) : tensor<512x1024xf16> loc("gap")
  %3 = mil.linear(x = %2, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear3")
  %4 = mil.linear(x = %3, weight = %w) : (tensor<512x1024xf16>, tensor<1024x1024xf16>) -> tensor<512x1024xf16> loc("linear4")
  return %4 : tensor<512x1024xf16>
}
