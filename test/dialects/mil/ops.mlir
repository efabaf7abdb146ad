// Every mil op parses, verifies, prints and parses back; also through the
// generic form.
// RUN: anec-opt %s | anec-opt | %FileCheck %s
// RUN: anec-opt %s --mlir-print-op-generic | anec-opt | %FileCheck %s

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xf16>, tensor<4xui4>, tensor<2x2xf16>) {
  // CHECK: mil.const dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf16>
  %0 = mil.const dense<[1.0, 2.0]> : tensor<2xf16>
  // CHECK: mil.const dense<[1, 2, 3, 15]> : tensor<4xui4>
  %1 = mil.const dense<[1, 2, 3, 15]> : tensor<4xui4>
  // CHECK: mil.const dense_resource<weight> : tensor<2x2xf16>
  %2 = mil.const dense_resource<weight> : tensor<2x2xf16>
  return %0, %1, %2 : tensor<2xf16>, tensor<4xui4>, tensor<2x2xf16>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<2x3xf16>, %y: tensor<3xf16>) -> tensor<2x3xf16> {
  // CHECK: mil.sqrt(x = %{{.*}}) : tensor<2x3xf16>
  %0 = mil.sqrt(x = %x) : tensor<2x3xf16>
  // CHECK: mil.exp
  %1 = mil.exp(x = %0) : tensor<2x3xf16>
  // CHECK: mil.square
  %2 = mil.square(x = %1) : tensor<2x3xf16>
  // CHECK: mil.tanh
  %3 = mil.tanh(x = %2) : tensor<2x3xf16>
  // CHECK: mil.erf
  %4 = mil.erf(x = %3) : tensor<2x3xf16>
  // CHECK: mil.sigmoid
  %5 = mil.sigmoid(x = %4) : tensor<2x3xf16>
  // CHECK: mil.silu
  %6 = mil.silu(x = %5) : tensor<2x3xf16>
  // CHECK: mil.relu
  %7 = mil.relu(x = %6) : tensor<2x3xf16>
  // CHECK: mil.abs
  %8 = mil.abs(x = %7) : tensor<2x3xf16>
  // CHECK: mil.sin
  %9 = mil.sin(x = %8) : tensor<2x3xf16>
  // CHECK: mil.cos
  %10 = mil.cos(x = %9) : tensor<2x3xf16>
  // CHECK: mil.rsqrt(x = %{{.*}}) {epsilon = 9.99999997E-7 : f32} : tensor<2x3xf16>
  %11 = mil.rsqrt(x = %10) {epsilon = 1.0e-6 : f32} : tensor<2x3xf16>
  // CHECK: mil.gelu(x = %{{.*}}) {mode = "TANH_APPROXIMATION"} : tensor<2x3xf16>
  %12 = mil.gelu(x = %11) {mode = "TANH_APPROXIMATION"} : tensor<2x3xf16>
  // CHECK: mil.add(x = %{{.*}}, y = %{{.*}}) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  %13 = mil.add(x = %12, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.sub
  %14 = mil.sub(x = %13, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.mul
  %15 = mil.mul(x = %14, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.real_div
  %16 = mil.real_div(x = %15, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.pow
  %17 = mil.pow(x = %16, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.maximum
  %18 = mil.maximum(x = %17, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  // CHECK: mil.minimum
  %19 = mil.minimum(x = %18, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  return %19 : tensor<2x3xf16>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>) -> (tensor<2x1x4xf32>, tensor<2x4xf32>, tensor<f32>, tensor<3xf32>, tensor<2x3x1xf32>) {
  // CHECK: mil.reduce_mean(x = %{{.*}}) {axes = array<i64: 1>, keep_dims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  %0 = mil.reduce_mean(x = %x) {axes = array<i64: 1>, keep_dims = true} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  // CHECK: mil.reduce_sum(x = %{{.*}}) {axes = array<i64: -2>}
  %1 = mil.reduce_sum(x = %x) {axes = array<i64: -2>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  // CHECK: mil.reduce_max(x = %{{.*}}) : (tensor<2x3x4xf32>) -> tensor<f32>
  %2 = mil.reduce_max(x = %x) : (tensor<2x3x4xf32>) -> tensor<f32>
  // CHECK: mil.reduce_min
  %3 = mil.reduce_min(x = %x) {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  // CHECK: mil.reduce_sum_square
  %4 = mil.reduce_sum_square(x = %x) {axes = array<i64: 2>, keep_dims = true} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  return %0, %1, %2, %3, %4 : tensor<2x1x4xf32>, tensor<2x4xf32>, tensor<f32>, tensor<3xf32>, tensor<2x3x1xf32>
}

// CHECK-LABEL: func.func @linear_algebra
func.func @linear_algebra(%x: tensor<1x5x8xf16>, %cx: tensor<1x8x1x5xf16>,
                          %a: tensor<2x4x5xf16>, %m: tensor<4x6xf16>) -> (tensor<1x5x16xf16>, tensor<1x16x1x5xf16>, tensor<2x5x6xf16>, tensor<1x8x1x3xf16>) {
  // MIL takes weights and biases as constants.
  %w = mil.const dense<0.5> : tensor<16x8xf16>
  %b = mil.const dense<0.25> : tensor<16xf16>
  %cw = mil.const dense<0.125> : tensor<16x8x1x1xf16>
  // CHECK: mil.linear(x = %{{.*}}, weight = %{{.*}}, bias = %{{.*}}) : (tensor<1x5x8xf16>, tensor<16x8xf16>, tensor<16xf16>) -> tensor<1x5x16xf16>
  %0 = mil.linear(x = %x, weight = %w, bias = %b) : (tensor<1x5x8xf16>, tensor<16x8xf16>, tensor<16xf16>) -> tensor<1x5x16xf16>
  // CHECK: mil.conv(x = %{{.*}}, weight = %{{.*}}, bias = %{{.*}}) {strides = array<i64: 1, 1>}
  %1 = mil.conv(x = %cx, weight = %cw, bias = %b) {strides = array<i64: 1, 1>} : (tensor<1x8x1x5xf16>, tensor<16x8x1x1xf16>, tensor<16xf16>) -> tensor<1x16x1x5xf16>
  // CHECK: mil.matmul(x = %{{.*}}, y = %{{.*}}) {transpose_x = true} : (tensor<2x4x5xf16>, tensor<4x6xf16>) -> tensor<2x5x6xf16>
  %2 = mil.matmul(x = %a, y = %m) {transpose_x = true} : (tensor<2x4x5xf16>, tensor<4x6xf16>) -> tensor<2x5x6xf16>
  // Depthwise 1x3 kernel, stride 2, custom padding.
  %dw = mil.const dense<1.0> : tensor<8x1x1x3xf16>
  // CHECK: mil.conv(x = %{{.*}}, weight = %{{.*}}) {groups = 8 : i64, pad = array<i64: 0, 0, 1, 1>, pad_type = "custom", strides = array<i64: 1, 2>}
  %3 = mil.conv(x = %cx, weight = %dw) {groups = 8, pad = array<i64: 0, 0, 1, 1>, pad_type = "custom", strides = array<i64: 1, 2>} : (tensor<1x8x1x5xf16>, tensor<8x1x1x3xf16>) -> tensor<1x8x1x3xf16>
  return %0, %1, %2, %3 : tensor<1x5x16xf16>, tensor<1x16x1x5xf16>, tensor<2x5x6xf16>, tensor<1x8x1x3xf16>
}

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<1x4x8xf16>, %q: tensor<1x2x4x8xf16>, %k: tensor<1x2x6x8xf16>, %v: tensor<1x2x6x3xf16>, %mask: tensor<4x6xf16>) -> (tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x2x4x3xf16>) {
  %g = mil.const dense<1.0> : tensor<8xf16>
  // CHECK: mil.layer_norm(x = %{{.*}}, gamma = %{{.*}}, beta = %{{.*}}) {axes = array<i64: -1>}
  %0 = mil.layer_norm(x = %x, gamma = %g, beta = %g) {axes = array<i64: -1>} : (tensor<1x4x8xf16>, tensor<8xf16>, tensor<8xf16>) -> tensor<1x4x8xf16>
  // CHECK: mil.layer_norm(x = %{{.*}}) {axes = array<i64: 2>, epsilon = 9.99999997E-7 : f32} : (tensor<1x4x8xf16>) -> tensor<1x4x8xf16>
  %1 = mil.layer_norm(x = %x) {axes = array<i64: 2>, epsilon = 1.0e-6 : f32} : (tensor<1x4x8xf16>) -> tensor<1x4x8xf16>
  // CHECK: mil.rms_norm(x = %{{.*}}, gamma = %{{.*}}) {axes = array<i64: -1>}
  %2 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: -1>} : (tensor<1x4x8xf16>, tensor<8xf16>) -> tensor<1x4x8xf16>
  // CHECK: mil.softmax(x = %{{.*}}) {axis = 1 : i64}
  %3 = mil.softmax(x = %x) {axis = 1} : (tensor<1x4x8xf16>) -> tensor<1x4x8xf16>
  // CHECK: mil.scaled_dot_product_attention(query = %{{.*}}, key = %{{.*}}, value = %{{.*}}, attn_mask = %{{.*}}) : (tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>, tensor<1x2x6x3xf16>, tensor<4x6xf16>) -> tensor<1x2x4x3xf16>
  %4 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %v, attn_mask = %mask) : (tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>, tensor<1x2x6x3xf16>, tensor<4x6xf16>) -> tensor<1x2x4x3xf16>
  return %0, %1, %2, %3, %4 : tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x2x4x3xf16>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%table: tensor<100x8xf16>, %ids: tensor<1x5xi32>, %x: tensor<2x6xf16>) {
  // CHECK: mil.gather(x = %{{.*}}, indices = %{{.*}}) : (tensor<100x8xf16>, tensor<1x5xi32>) -> tensor<1x5x8xf16>
  %0 = mil.gather(x = %table, indices = %ids) : (tensor<100x8xf16>, tensor<1x5xi32>) -> tensor<1x5x8xf16>
  // CHECK: mil.concat(values = (%{{.*}}, %{{.*}})) {axis = -1 : i64} : (tensor<2x6xf16>, tensor<2x6xf16>) -> tensor<2x12xf16>
  %1 = mil.concat(values = (%x, %x)) {axis = -1} : (tensor<2x6xf16>, tensor<2x6xf16>) -> tensor<2x12xf16>
  // CHECK: mil.concat(values = (%{{.*}}, %{{.*}})) {axis = 0 : i64, interleave = true}
  %2 = mil.concat(values = (%x, %x)) {axis = 0, interleave = true} : (tensor<2x6xf16>, tensor<2x6xf16>) -> tensor<4x6xf16>
  // CHECK: mil.split(x = %{{.*}}) {axis = 1 : i64, num_splits = 3 : i64} : (tensor<2x6xf16>) -> (tensor<2x2xf16>, tensor<2x2xf16>, tensor<2x2xf16>)
  %3:3 = mil.split(x = %x) {axis = 1, num_splits = 3} : (tensor<2x6xf16>) -> (tensor<2x2xf16>, tensor<2x2xf16>, tensor<2x2xf16>)
  // CHECK: mil.split(x = %{{.*}}) {axis = 1 : i64, split_sizes = array<i64: 1, 5>}
  %4:2 = mil.split(x = %x) {axis = 1, split_sizes = array<i64: 1, 5>} : (tensor<2x6xf16>) -> (tensor<2x1xf16>, tensor<2x5xf16>)
  // CHECK: mil.slice_by_index(x = %{{.*}}) {begin = array<i64: 0, -1>, end = array<i64: 2, 0>, squeeze_mask = array<i1: false, false>, stride = array<i64: 1, -2>} : (tensor<2x6xf16>) -> tensor<2x3xf16>
  %5 = mil.slice_by_index(x = %x) {begin = array<i64: 0, -1>, end = array<i64: 2, 0>, stride = array<i64: 1, -2>, squeeze_mask = array<i1: false, false>} : (tensor<2x6xf16>) -> tensor<2x3xf16>
  // CHECK: mil.slice_by_index(x = %{{.*}}) {begin = array<i64: 1, 0>, begin_mask = array<i1: false, true>, end = array<i64: 2, 3>, end_mask = array<i1: false, true>, squeeze_mask = array<i1: true, false>} : (tensor<2x6xf16>) -> tensor<6xf16>
  %6 = mil.slice_by_index(x = %x) {begin = array<i64: 1, 0>, end = array<i64: 2, 3>, begin_mask = array<i1: false, true>, end_mask = array<i1: false, true>, squeeze_mask = array<i1: true, false>} : (tensor<2x6xf16>) -> tensor<6xf16>
  // CHECK: mil.slice_by_size(x = %{{.*}}) {begin = array<i64: 0, 2>, size = array<i64: -1, 3>} : (tensor<2x6xf16>) -> tensor<2x3xf16>
  %7 = mil.slice_by_size(x = %x) {begin = array<i64: 0, 2>, size = array<i64: -1, 3>} : (tensor<2x6xf16>) -> tensor<2x3xf16>
  // CHECK: mil.reshape(x = %{{.*}}) {shape = array<i64: 3, -1>} : (tensor<2x6xf16>) -> tensor<3x4xf16>
  %8 = mil.reshape(x = %x) {shape = array<i64: 3, -1>} : (tensor<2x6xf16>) -> tensor<3x4xf16>
  // CHECK: mil.transpose(x = %{{.*}}) {perm = array<i64: 1, 0>} : (tensor<2x6xf16>) -> tensor<6x2xf16>
  %9 = mil.transpose(x = %x) {perm = array<i64: 1, 0>} : (tensor<2x6xf16>) -> tensor<6x2xf16>
  // CHECK: mil.expand_dims(x = %{{.*}}) {axes = array<i64: 0, -1>} : (tensor<2x6xf16>) -> tensor<1x2x6x1xf16>
  %10 = mil.expand_dims(x = %x) {axes = array<i64: 0, -1>} : (tensor<2x6xf16>) -> tensor<1x2x6x1xf16>
  // CHECK: mil.squeeze(x = %{{.*}}) : (tensor<1x2x6x1xf16>) -> tensor<2x6xf16>
  %11 = mil.squeeze(x = %10) : (tensor<1x2x6x1xf16>) -> tensor<2x6xf16>
  // CHECK: mil.squeeze(x = %{{.*}}) {axes = array<i64: 3>} : (tensor<1x2x6x1xf16>) -> tensor<1x2x6xf16>
  %12 = mil.squeeze(x = %10) {axes = array<i64: 3>} : (tensor<1x2x6x1xf16>) -> tensor<1x2x6xf16>
  // CHECK: mil.tile(x = %{{.*}}) {reps = array<i64: 2, 1>} : (tensor<2x6xf16>) -> tensor<4x6xf16>
  %13 = mil.tile(x = %x) {reps = array<i64: 2, 1>} : (tensor<2x6xf16>) -> tensor<4x6xf16>
  // CHECK: mil.pad(x = %{{.*}}) {pad = array<i64: 0, 26>} : (tensor<2x6xf16>) -> tensor<2x32xf16>
  %14 = mil.pad(x = %x) {pad = array<i64: 0, 26>} : (tensor<2x6xf16>) -> tensor<2x32xf16>
  // CHECK: mil.pad(x = %{{.*}}) {mode = "reflect", pad = array<i64: 1, 1, 2, 2>} : (tensor<2x6xf16>) -> tensor<4x10xf16>
  %15 = mil.pad(x = %x) {pad = array<i64: 1, 1, 2, 2>, mode = "reflect"} : (tensor<2x6xf16>) -> tensor<4x10xf16>
  // CHECK: mil.band_part(x = %{{.*}}) {upper = 0 : i64} : tensor<2x6xf16>
  %16 = mil.band_part(x = %x) {lower = -1, upper = 0} : tensor<2x6xf16>
  // CHECK: mil.cast(x = %{{.*}}) {dtype = "fp32"} : (tensor<2x6xf16>) -> tensor<2x6xf32>
  %17 = mil.cast(x = %x) {dtype = "fp32"} : (tensor<2x6xf16>) -> tensor<2x6xf32>
  // CHECK: mil.cast(x = %{{.*}}) {dtype = "int32"} : (tensor<2x6xf16>) -> tensor<2x6xi32>
  %18 = mil.cast(x = %x) {dtype = "int32"} : (tensor<2x6xf16>) -> tensor<2x6xi32>
  return
}

// CHECK-LABEL: func.func @compression
func.func @compression() -> (tensor<4x2xf16>, tensor<2x3xf16>, tensor<4x2xf16>, tensor<4x4xf32>, tensor<4x2xf16>, tensor<4x2xf32>) {
  %q = mil.const dense<[[1, -2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi8>
  %zp = mil.const dense<0> : tensor<i8>
  %s = mil.const dense<0.5> : tensor<f16>
  // CHECK: mil.constexpr_affine_dequantize(quantized_data = %{{.*}}, zero_point = %{{.*}}, scale = %{{.*}}) {axis = 0 : i64} : (tensor<4x2xi8>, tensor<i8>, tensor<f16>) -> tensor<4x2xf16>
  %0 = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %zp, scale = %s) {axis = 0} : (tensor<4x2xi8>, tensor<i8>, tensor<f16>) -> tensor<4x2xf16>
  // The iOS16 LUT form is in @compression_ios16 below.
  %1 = mil.const dense<1.0> : tensor<2x3xf16>
  // iOS18 form: 4-bit indices, one LUT per group of two output channels.
  %idx4 = mil.const dense<[[0, 1], [2, 3], [4, 5], [15, 0]]> : tensor<4x2xui4>
  %luts = mil.const dense<1.0> : tensor<2x1x16x1xf16>
  // CHECK: mil.constexpr_lut_to_dense(indices = %{{.*}}, lut = %{{.*}}) : (tensor<4x2xui4>, tensor<2x1x16x1xf16>) -> tensor<4x2xf16>
  %2 = mil.constexpr_lut_to_dense(indices = %idx4, lut = %luts) : (tensor<4x2xui4>, tensor<2x1x16x1xf16>) -> tensor<4x2xf16>
  // Vector palettization: each index picks two values along axis 1.
  %vidx = mil.const dense<[[0, 1], [1, 0], [1, 1], [0, 0]]> : tensor<4x2xui1>
  %vlut = mil.const dense<2.0> : tensor<1x1x2x2xf32>
  // CHECK: mil.constexpr_lut_to_dense(indices = %{{.*}}, lut = %{{.*}}) {vector_axis = 1 : i64} : (tensor<4x2xui1>, tensor<1x1x2x2xf32>) -> tensor<4x4xf32>
  %3 = mil.constexpr_lut_to_dense(indices = %vidx, lut = %vlut) {vector_axis = 1} : (tensor<4x2xui1>, tensor<1x1x2x2xf32>) -> tensor<4x4xf32>
  %d4 = mil.const dense<[[1, -2], [3, 4], [-8, 7], [0, 1]]> : tensor<4x2xi4>
  %bs = mil.const dense<[[0.5], [0.25]]> : tensor<2x1xf16>
  %bo = mil.const dense<[[1], [0]]> : tensor<2x1xi4>
  // CHECK: mil.constexpr_blockwise_shift_scale(data = %{{.*}}, scale = %{{.*}}, offset = %{{.*}}) : (tensor<4x2xi4>, tensor<2x1xf16>, tensor<2x1xi4>) -> tensor<4x2xf16>
  %4 = mil.constexpr_blockwise_shift_scale(data = %d4, scale = %bs, offset = %bo) : (tensor<4x2xi4>, tensor<2x1xf16>, tensor<2x1xi4>) -> tensor<4x2xf16>
  %h = mil.const dense<1.5> : tensor<4x2xf16>
  // CHECK: mil.constexpr_cast(source_val = %{{.*}}) {output_dtype = "fp32"} : (tensor<4x2xf16>) -> tensor<4x2xf32>
  %5 = mil.constexpr_cast(source_val = %h) {output_dtype = "fp32"} : (tensor<4x2xf16>) -> tensor<4x2xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x2xf16>, tensor<2x3xf16>, tensor<4x2xf16>, tensor<4x4xf32>, tensor<4x2xf16>, tensor<4x2xf32>
}

// An iOS16 program (mil.opset on the enclosing module): the iOS16 LUT form.
// CHECK-LABEL: module attributes {mil.opset = "ios16"}
module attributes {mil.opset = "ios16"} {
  // CHECK-LABEL: func.func @compression_ios16
  func.func @compression_ios16() -> tensor<2x3xf16> {
    // Six 2-bit indices in two bytes.
    %idx = mil.const dense<[27, 6]> : tensor<2xui8>
    %lut = mil.const dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf16>
    // CHECK: mil.constexpr_lut_to_dense(indices = %{{.*}}, lut = %{{.*}}) {shape = array<i64: 2, 3>} : (tensor<2xui8>, tensor<4xf16>) -> tensor<2x3xf16>
    %1 = mil.constexpr_lut_to_dense(indices = %idx, lut = %lut) {shape = array<i64: 2, 3>} : (tensor<2xui8>, tensor<4xf16>) -> tensor<2x3xf16>
    return %1 : tensor<2x3xf16>
  }
}

// CHECK-LABEL: func.func @activation_quantization
func.func @activation_quantization(%x: tensor<2x4xf16>) -> tensor<2x4xf16> {
  %s = mil.const dense<[0.1, 0.2]> : tensor<2xf16>
  %zp = mil.const dense<[0, 3]> : tensor<2xui8>
  // CHECK: mil.quantize(input = %{{.*}}, scale = %{{.*}}, zero_point = %{{.*}}) {axis = 0 : i64, output_dtype = "uint8"} : (tensor<2x4xf16>, tensor<2xf16>, tensor<2xui8>) -> tensor<2x4xui8>
  %q = mil.quantize(input = %x, scale = %s, zero_point = %zp) {axis = 0, output_dtype = "uint8"} : (tensor<2x4xf16>, tensor<2xf16>, tensor<2xui8>) -> tensor<2x4xui8>
  // CHECK: mil.dequantize(input = %{{.*}}, scale = %{{.*}}, zero_point = %{{.*}}) {axis = 0 : i64} : (tensor<2x4xui8>, tensor<2xf16>, tensor<2xui8>) -> tensor<2x4xf16>
  %d = mil.dequantize(input = %q, scale = %s, zero_point = %zp) {axis = 0} : (tensor<2x4xui8>, tensor<2xf16>, tensor<2xui8>) -> tensor<2x4xf16>
  return %d : tensor<2x4xf16>
}

// CHECK-LABEL: func.func @kv_cache
// CHECK-SAME: !mil.state<tensor<1x2x8x4xf16>>
func.func @kv_cache(%cache: !mil.state<tensor<1x2x8x4xf16>>, %kv: tensor<1x2x1x4xf16>, %pos: tensor<4xi32>, %end: tensor<4xi32>) -> tensor<1x2x8x4xf16> {
  // CHECK: mil.read_state(input = %{{.*}}) : <tensor<1x2x8x4xf16>>
  %0 = mil.read_state(input = %cache) : !mil.state<tensor<1x2x8x4xf16>>
  // CHECK: mil.slice_update(x = %{{.*}}, update = %{{.*}}, begin = %{{.*}}, end = %{{.*}}) : (tensor<1x2x8x4xf16>, tensor<1x2x1x4xf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<1x2x8x4xf16>
  %1 = mil.slice_update(x = %0, update = %kv, begin = %pos, end = %end) : (tensor<1x2x8x4xf16>, tensor<1x2x1x4xf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<1x2x8x4xf16>
  // CHECK: mil.coreml_update_state(state = %{{.*}}, value = %{{.*}}) : <tensor<1x2x8x4xf16>>
  %2 = mil.coreml_update_state(state = %cache, value = %1) : !mil.state<tensor<1x2x8x4xf16>>
  return %2 : tensor<1x2x8x4xf16>
}

{-#
  dialect_resources: {
    builtin: {
      weight: "0x02000000003C004000420044"
    }
  }
#-}
