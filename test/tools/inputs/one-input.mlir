func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = mil.relu(x = %x) : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
func.func @foreign(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = arith.addf %x, %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
