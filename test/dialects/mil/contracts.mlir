// The MIL contracts (dialects/Mil/MilContracts.cpp, docs/MIL-CONTRACTS.md):
// a program Core ML would refuse does not verify, and the message names the
// op, the input and the rule, in the module's opset (`mil.opset`, default
// ios18). One case per class of contract: type domain, const-ness,
// attribute vs input, opset availability, allowed strings.
// RUN: anec-opt %s -split-input-file -verify-diagnostics

// Type domain: MIL's pad is defined on floats only.
func.func @f(%x: tensor<1x4xi32>) -> tensor<1x8xi32> {
  // expected-error@+1 {{'mil.pad' op input 'x' is int32, but pad takes fp16 or fp32 (type domain T) in the ios18 opset}}
  %0 = mil.pad(x = %x) {pad = array<i64: 0, 4>} : (tensor<1x4xi32>) -> tensor<1x8xi32>
  return %0 : tensor<1x8xi32>
}

// -----

// Type domain: Core ML states hold fp16 only.
func.func @f(%s: !mil.state<tensor<1x4xf32>>) -> tensor<1x4xf32> {
  // expected-error@+1 {{'mil.read_state' op input 'input' is fp32, but read_state takes fp16 in the ios18 opset}}
  %0 = mil.read_state(input = %s) : !mil.state<tensor<1x4xf32>>
  return %0 : tensor<1x4xf32>
}

// -----

// Const-ness: a linear layer's weight is a constant (not a function input).
func.func @f(%x: tensor<2x4xf16>, %w: tensor<8x4xf16>) -> tensor<2x8xf16> {
  // expected-error@+1 {{'mil.linear' op input 'weight' must be const at compile time (made of constants only) in the ios18 opset}}
  %0 = mil.linear(x = %x, weight = %w) : (tensor<2x4xf16>, tensor<8x4xf16>) -> tensor<2x8xf16>
  return %0 : tensor<2x8xf16>
}

// -----

// Const-ness: a bias computed from an input is not made of constants.
func.func @f(%x: tensor<1x4xf16>) -> tensor<1x4xf16> {
  %w = mil.const dense<1.0> : tensor<4x4xf16>
  %s = mil.sin(x = %x) : tensor<1x4xf16>
  %b = mil.reshape(x = %s) {shape = array<i64: 4>} : (tensor<1x4xf16>) -> tensor<4xf16>
  // expected-error@+1 {{'mil.linear' op input 'bias' must be const at compile time (made of constants only) in the ios18 opset}}
  %0 = mil.linear(x = %x, weight = %w, bias = %b) : (tensor<1x4xf16>, tensor<4x4xf16>, tensor<4xf16>) -> tensor<1x4xf16>
  return %0 : tensor<1x4xf16>
}

// -----

// Const-ness holds through casts and constexpr ops: a weight decoded at
// load time is a constant.
func.func @f(%x: tensor<1x4xf16>) -> tensor<1x8xf16> {
  %q = mil.const dense<3> : tensor<8x4xi8>
  %z = mil.const dense<0> : tensor<i8>
  %s = mil.const dense<0.5> : tensor<f16>
  %w = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {axis = 0} : (tensor<8x4xi8>, tensor<i8>, tensor<f16>) -> tensor<8x4xf16>
  %0 = mil.linear(x = %x, weight = %w) : (tensor<1x4xf16>, tensor<8x4xf16>) -> tensor<1x8xf16>
  return %0 : tensor<1x8xf16>
}

// -----

// Attribute vs input: a parameter the op's definition does not have.
func.func @f(%x: tensor<2x4xf16>) -> tensor<2x4xf16> {
  // expected-error@+1 {{'mil.softmax' op has parameter 'temperature', which softmax does not take in the ios18 opset}}
  %0 = mil.softmax(x = %x) {axis = 1, temperature = 2.0 : f32} : (tensor<2x4xf16>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}

// -----

// Attribute vs input: the iOS16 LUT's `shape` is no parameter of iOS18's
// constexpr_lut_to_dense (the iOS18 form has shaped indices instead).
func.func @f() -> tensor<2x3xf16> {
  %idx = mil.const dense<[27, 6]> : tensor<2xui8>
  %lut = mil.const dense<[0.0, 1.0, 2.0, 3.0]> : tensor<4xf16>
  // expected-error@+1 {{'mil.constexpr_lut_to_dense' op has parameter 'shape', which constexpr_lut_to_dense does not take in the ios18 opset}}
  %0 = mil.constexpr_lut_to_dense(indices = %idx, lut = %lut) {shape = array<i64: 2, 3>} : (tensor<2xui8>, tensor<4xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// Opset availability: states are iOS18's.
module attributes {mil.opset = "ios17"} {
  func.func @f(%s: !mil.state<tensor<1x4xf16>>) -> tensor<1x4xf16> {
    // expected-error@+1 {{'mil.read_state' op is not in the ios17 opset: MIL has it from ios18 (the module's mil.opset)}}
    %0 = mil.read_state(input = %s) : !mil.state<tensor<1x4xf16>>
    return %0 : tensor<1x4xf16>
  }
}

// -----

// Opset availability: the fused attention op is iOS18's.
module attributes {mil.opset = "ios16"} {
  func.func @f(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x6x8xf16>, %v: tensor<1x2x6x8xf16>) -> tensor<1x2x4x8xf16> {
    // expected-error@+1 {{'mil.scaled_dot_product_attention' op is not in the ios16 opset: MIL has it from ios18}}
    %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %v) : (tensor<1x2x4x8xf16>, tensor<1x2x6x8xf16>, tensor<1x2x6x8xf16>) -> tensor<1x2x4x8xf16>
    return %0 : tensor<1x2x4x8xf16>
  }
}

// -----

// Opset-dependent type domains: cast to int8 is iOS17's.
module attributes {mil.opset = "ios16"} {
  func.func @f(%x: tensor<4xf16>) -> tensor<4xf16> {
    // expected-error@+1 {{'mil.cast' op input 'dtype' is 'int8', but cast takes one of int32, fp16, fp32, bool in the ios16 opset}}
    %0 = mil.cast(x = %x) {dtype = "int8"} : (tensor<4xf16>) -> tensor<4xi8>
    %1 = mil.cast(x = %0) {dtype = "fp16"} : (tensor<4xi8>) -> tensor<4xf16>
    return %1 : tensor<4xf16>
  }
}

// -----

// The same cast is an iOS17 program.
module attributes {mil.opset = "ios17"} {
  func.func @f(%x: tensor<4xf16>) -> tensor<4xf16> {
    %0 = mil.cast(x = %x) {dtype = "int8"} : (tensor<4xf16>) -> tensor<4xi8>
    %1 = mil.cast(x = %0) {dtype = "fp16"} : (tensor<4xi8>) -> tensor<4xf16>
    return %1 : tensor<4xf16>
  }
}

// -----

// Function inputs and outputs: a program's interface is fp16, fp32 or int32
// tensors (and states).
module attributes {mil.opset = "ios17"} {
  // expected-error@+1 {{'func.func' op output 0 is int8: Core ML model inputs and outputs are fp16, fp32 or int32 (the module's mil.opset is ios17)}}
  func.func @f(%x: tensor<4xf16>) -> tensor<4xi8> {
    %0 = mil.cast(x = %x) {dtype = "int8"} : (tensor<4xf16>) -> tensor<4xi8>
    return %0 : tensor<4xi8>
  }
}

// -----

// The opset itself must be one MIL programs with weights have.
// expected-error@+1 {{'mil.opset' must be "ios16", "ios17" or "ios18", got "ios14"}}
module attributes {mil.opset = "ios14"} {
}
