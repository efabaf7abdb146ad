func.func @main(%x: tensor<99999999999x64xf16>) -> tensor<99999999999x64xf16> {
  %0 = mil.relu(x = %x) : tensor<99999999999x64xf16>
  return %0 : tensor<99999999999x64xf16>
}
