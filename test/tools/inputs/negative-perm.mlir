func.func @main(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = mil.transpose(x = %x) {perm = array<i64: -1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
