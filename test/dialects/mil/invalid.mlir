// Every verifier rule of the mil dialect, hit once each.
// RUN: anec-opt %s -split-input-file -verify-diagnostics
func.func @f() {
  // expected-error@+1 {{expects a statically shaped tensor value}}
  %0 = mil.const dense<1.0> : vector<4xf16>
  return
}

// -----

func.func @f(%x: tensor<4xf16>) {
  // expected-error@+1 {{expects mode EXACT, TANH_APPROXIMATION or SIGMOID_APPROXIMATION, got 'FAST'}}
  %0 = mil.gelu(x = %x) {mode = "FAST"} : tensor<4xf16>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.exp(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xf16>, %y: tensor<4xf32>) {
  // expected-error@+2 {{expects x and y to have the same element type, got 'f16' and 'f32'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.add(x = %x, y = %y) : (tensor<4xf16>, tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2xf16>) {
  // expected-error@+2 {{expects x [2, 3] and y [2] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.mul(x = %x, y = %y) : (tensor<2x3xf16>, tensor<2xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<3xf16>) {
  // expected-error@+2 {{inferred type(s) 'tensor<2x3xf16>' are incompatible with return type(s) of operation 'tensor<3xf16>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.sub(x = %x, y = %y) : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reduce_mean(x = %x) {axes = array<i64: 2>} : (tensor<2x3xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>) {
  // expected-error@+2 {{axis -1 appears twice}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reduce_sum(x = %x) {axes = array<i64: 1, -1>} : (tensor<2x3xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<f16>, %w: tensor<8x3xf16>) {
  // expected-error@+2 {{expects x of rank at least 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w) : (tensor<f16>, tensor<8x3xf16>) -> tensor<8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4xf16>, %w: tensor<8x4x1xf16>) {
  // expected-error@+2 {{expects a weight of rank 2 [out, in], got rank 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w) : (tensor<1x4xf16>, tensor<8x4x1xf16>) -> tensor<1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x4xf16>, %w: tensor<8x3xf16>) {
  // expected-error@+2 {{expects weight input channels (3) to match x channels (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w) : (tensor<1x4x4xf16>, tensor<8x3xf16>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4xf16>, %w: tensor<8x4xf32>) {
  // expected-error@+2 {{expects x and weight to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w) : (tensor<1x4xf16>, tensor<8x4xf32>) -> tensor<1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4xf16>, %w: tensor<8x4xf16>, %b: tensor<4xf16>) {
  // expected-error@+2 {{expects a bias of shape [8], got [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w, bias = %b) : (tensor<1x4xf16>, tensor<8x4xf16>, tensor<4xf16>) -> tensor<1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4xf16>, %w: tensor<8x4xf16>, %b: tensor<8xf32>) {
  // expected-error@+2 {{expects x and bias to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.linear(x = %x, weight = %w, bias = %b) : (tensor<1x4xf16>, tensor<8x4xf16>, tensor<8xf32>) -> tensor<1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<f16>, %y: tensor<4xf16>) {
  // expected-error@+2 {{expects x and y of rank at least 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.matmul(x = %x, y = %y) : (tensor<f16>, tensor<4xf16>) -> tensor<f16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<4x5xf16>) {
  // expected-error@+2 {{expects the contracted dimensions to match: x has 3, y has 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.matmul(x = %x, y = %y) : (tensor<2x3xf16>, tensor<4x5xf16>) -> tensor<2x5xf16>
  return
}

// -----

func.func @f(%x: tensor<2x2x3xf16>, %y: tensor<3x3x5xf16>) {
  // expected-error@+2 {{expects the batch dimensions of x [2, 2, 3] and y [3, 3, 5] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.matmul(x = %x, y = %y) : (tensor<2x2x3xf16>, tensor<3x3x5xf16>) -> tensor<2x2x5xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<3x4xf32>) {
  // expected-error@+2 {{expects x and y to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.matmul(x = %x, y = %y) : (tensor<2x3xf16>, tensor<3x4xf32>) -> tensor<2x4xf16>
  return
}

// -----

func.func @f(%x: tensor<4x4xf16>, %w: tensor<4x4xf16>) {
  // expected-error@+2 {{expects x of rank 3 (1-D) or 4 (2-D), got rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) : (tensor<4x4xf16>, tensor<4x4xf16>) -> tensor<4x4xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<4x4x1xf16>) {
  // expected-error@+2 {{expects a weight of rank 4, got rank 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) : (tensor<1x4x1x8xf16>, tensor<4x4x1xf16>) -> tensor<1x4x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<4x4x1x1xf32>) {
  // expected-error@+2 {{expects x and weight to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) : (tensor<1x4x1x8xf16>, tensor<4x4x1x1xf32>) -> tensor<1x4x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<6x1x1x1xf16>) {
  // expected-error@+2 {{expects groups (4) to divide the input and output channels (4, 6)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {groups = 4} : (tensor<1x4x1x8xf16>, tensor<6x1x1x1xf16>) -> tensor<1x6x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x3x1x1xf16>) {
  // expected-error@+2 {{expects weight input channels (3) times groups (1) to match x channels (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) : (tensor<1x4x1x8xf16>, tensor<8x3x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>, %b: tensor<4xf16>) {
  // expected-error@+2 {{expects a bias of shape [8], got [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w, bias = %b) : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>, tensor<4xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>) {
  // expected-error@+2 {{expects 2 strides, got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {strides = array<i64: 1>} : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>) {
  // expected-error@+2 {{expects positive dilations, got 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {dilations = array<i64: 1, 0>} : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>) {
  // expected-error@+2 {{expects pad_type valid, same, same_lower or custom, got 'full'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {pad_type = "full"} : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>) {
  // expected-error@+2 {{expects pad with 4 values for pad_type custom}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {pad_type = "custom"} : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x8xf16>, %w: tensor<8x4x1x1xf16>) {
  // expected-error@+2 {{expects non-negative pad, got -1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) {pad_type = "custom", pad = array<i64: 0, 0, -1, 0>} : (tensor<1x4x1x8xf16>, tensor<8x4x1x1xf16>) -> tensor<1x8x1x8xf16>
  return
}

// -----

func.func @f(%x: tensor<1x4x1x2xf16>, %w: tensor<8x4x1x3xf16>) {
  // expected-error@+2 {{expects the kernel (3) to fit the padded input (2) along spatial axis 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.conv(x = %x, weight = %w) : (tensor<1x4x1x2xf16>, tensor<8x4x1x3xf16>) -> tensor<1x8x1x1xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %g: tensor<4xf16>) {
  // expected-error@+2 {{expects gamma of shape [8] (x's normalised axes), got [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.layer_norm(x = %x, gamma = %g) {axes = array<i64: -1>} : (tensor<2x8xf16>, tensor<4xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %g: tensor<8xf32>) {
  // expected-error@+2 {{expects x and gamma to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.layer_norm(x = %x, gamma = %g, beta = %g) {axes = array<i64: -1>} : (tensor<2x8xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %g: tensor<8xf16>, %b: tensor<2xf16>) {
  // expected-error@+2 {{expects beta of shape [8] (x's normalised axes), got [2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.layer_norm(x = %x, gamma = %g, beta = %b) {axes = array<i64: 1>} : (tensor<2x8xf16>, tensor<8xf16>, tensor<2xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.layer_norm(x = %x) {axes = array<i64: 2>} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>) {
  // expected-error@+2 {{expects at least one axis to normalise over}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.layer_norm(x = %x) {axes = array<i64>} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>) {
  // expected-error@+2 {{expects a non-negative epsilon, got -1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.rms_norm(x = %x) {axes = array<i64: 1>, epsilon = -1.0 : f32} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %g: tensor<2x8xf16>) {
  // expected-error@+2 {{expects gamma of shape [8] (x's normalised axes), got [2, 8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.rms_norm(x = %x, gamma = %g) {axes = array<i64: 1>} : (tensor<2x8xf16>, tensor<2x8xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>) {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.softmax(x = %x) {axis = -3} : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%q: tensor<4x8xf16>) {
  // expected-error@+2 {{expects query, key and value of one rank, at least 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q) : (tensor<4x8xf16>, tensor<4x8xf16>, tensor<4x8xf16>) -> tensor<4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %k: tensor<1x4x8xf32>) {
  // expected-error@+2 {{expects query and key to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %k) : (tensor<1x4x8xf16>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %k: tensor<2x4x8xf16>) {
  // expected-error@+2 {{expects query, key and value to share the batch dimensions [1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %k) : (tensor<1x4x8xf16>, tensor<2x4x8xf16>, tensor<2x4x8xf16>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %k: tensor<1x6x4xf16>) {
  // expected-error@+2 {{expects key's last dimension (4) to match query's (8)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %k) : (tensor<1x4x8xf16>, tensor<1x6x4xf16>, tensor<1x6x4xf16>) -> tensor<1x4x4xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %k: tensor<1x6x8xf16>, %v: tensor<1x5x8xf16>) {
  // expected-error@+2 {{expects value's sequence length (5) to match key's (6)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %k, value = %v) : (tensor<1x4x8xf16>, tensor<1x6x8xf16>, tensor<1x5x8xf16>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %m: tensor<4x5xf16>) {
  // expected-error@+2 {{expects attn_mask [4, 5] to broadcast to the scores [1, 4, 4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q, attn_mask = %m) : (tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<4x5xf16>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x4x8xf16>, %m: tensor<4x4xf32>) {
  // expected-error@+2 {{expects a bool attn_mask or one of query's element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q, attn_mask = %m) : (tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<1x4x8xf16>, tensor<4x4xf32>) -> tensor<1x4x8xf16>
  return
}

// -----

func.func @f(%x: tensor<10x4xf16>, %i: tensor<3xi32>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.gather(x = %x, indices = %i) {axis = 2} : (tensor<10x4xf16>, tensor<3xi32>) -> tensor<3x4xf16>
  return
}

// -----

func.func @f(%x: tensor<10x4xf16>, %i: tensor<3xi32>) {
  // expected-error@+2 {{expects 0 <= batch_dims (1) <= min(axis, indices rank)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.gather(x = %x, indices = %i) {batch_dims = 1} : (tensor<10x4xf16>, tensor<3xi32>) -> tensor<3x4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x10x4xf16>, %i: tensor<3x5xi32>) {
  // expected-error@+2 {{expects x and indices to agree on batch dimension 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.gather(x = %x, indices = %i) {axis = 1, batch_dims = 1} : (tensor<2x10x4xf16>, tensor<3x5xi32>) -> tensor<2x5x4xf16>
  return
}

// -----

func.func @f(%x: tensor<10x4xf16>, %i: tensor<3xf16>) {
  // expected-error@+1 {{operand #1 must be ranked tensor of}}
  %0 = mil.gather(x = %x, indices = %i) : (tensor<10x4xf16>, tensor<3xf16>) -> tensor<3x4xf16>
  return
}

// -----

func.func @f() {
  // expected-error@+2 {{expects at least one value}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = ()) {axis = 0} : () -> tensor<1xf16>
  return
}

// -----

func.func @f(%x: tensor<2xf16>) {
  // expected-error@+2 {{axis 1 is out of range for rank 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = (%x)) {axis = 1} : (tensor<2xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2xf16>, %y: tensor<2xf32>) {
  // expected-error@+2 {{expects every value to have element type 'f16', value 1 has 'f32'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = (%x, %y)) {axis = 0} : (tensor<2xf16>, tensor<2xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @f(%x: tensor<2xf16>, %y: tensor<2x1xf16>) {
  // expected-error@+2 {{expects every value to have rank 1, value 1 has rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = (%x, %y)) {axis = 0} : (tensor<2xf16>, tensor<2x1xf16>) -> tensor<4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2x4xf16>) {
  // expected-error@+2 {{expects value 1 [2, 4] to match value 0 [2, 3] except along axis 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = (%x, %y)) {axis = 0} : (tensor<2x3xf16>, tensor<2x4xf16>) -> tensor<4x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<1x3xf16>) {
  // expected-error@+2 {{expects equal sizes along the axis when interleaving}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.concat(values = (%x, %y)) {axis = 0, interleave = true} : (tensor<2x3xf16>, tensor<1x3xf16>) -> tensor<3x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects exactly one of num_splits and split_sizes}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = mil.split(x = %x) {axis = 1} : (tensor<2x6xf16>) -> (tensor<2x3xf16>, tensor<2x3xf16>)
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = mil.split(x = %x) {axis = 2, num_splits = 2} : (tensor<2x6xf16>) -> (tensor<2x3xf16>, tensor<2x3xf16>)
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects num_splits (4) to divide the axis size (6)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:4 = mil.split(x = %x) {axis = 1, num_splits = 4} : (tensor<2x6xf16>) -> (tensor<2x1xf16>, tensor<2x1xf16>, tensor<2x1xf16>, tensor<2x1xf16>)
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects positive split_sizes, got -1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = mil.split(x = %x) {axis = 1, split_sizes = array<i64: 7, -1>} : (tensor<2x6xf16>) -> (tensor<2x7xf16>, tensor<2x1xf16>)
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects split_sizes to sum to the axis size (6), they sum to 5}}
  // expected-error@+1 {{failed to infer returned types}}
  %0:2 = mil.split(x = %x) {axis = 1, split_sizes = array<i64: 2, 3>} : (tensor<2x6xf16>) -> (tensor<2x2xf16>, tensor<2x3xf16>)
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects begin with 2 values (x's rank), got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_index(x = %x) {begin = array<i64: 0>, end = array<i64: 2, 6>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects non-zero strides, axis 1 has 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_index(x = %x) {begin = array<i64: 0, 0>, end = array<i64: 2, 6>, stride = array<i64: 1, 0>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{slice is empty along axis 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_index(x = %x) {begin = array<i64: 0, 4>, end = array<i64: 2, 2>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{squeezed begin 2 is out of range for axis 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_index(x = %x) {begin = array<i64: 2, 0>, end = array<i64: 3, 6>, squeeze_mask = array<i1: true, false>} : (tensor<2x6xf16>) -> tensor<6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects end_mask with 2 values (x's rank), got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_index(x = %x) {begin = array<i64: 0, 0>, end = array<i64: 2, 6>, end_mask = array<i1: true>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects begin and size with 2 values (x's rank)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_size(x = %x) {begin = array<i64: 0>, size = array<i64: 1>} : (tensor<2x6xf16>) -> tensor<1xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{begin 6 is out of range for axis 1 of size 6}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_size(x = %x) {begin = array<i64: 0, 6>, size = array<i64: 1, 1>} : (tensor<2x6xf16>) -> tensor<1x1xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects size 3 at begin 4 to fit axis 1 of size 6}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_by_size(x = %x) {begin = array<i64: 0, 4>, size = array<i64: 1, 3>} : (tensor<2x6xf16>) -> tensor<1x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects at most one -1 in shape}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reshape(x = %x) {shape = array<i64: -1, -1>} : (tensor<2x6xf16>) -> tensor<3x4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects positive dimensions in shape, got 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reshape(x = %x) {shape = array<i64: 0, 12>} : (tensor<2x6xf16>) -> tensor<12xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{cannot infer the -1 in shape [5, -1] for 12 elements}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reshape(x = %x) {shape = array<i64: 5, -1>} : (tensor<2x6xf16>) -> tensor<12xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects shape [5, 5] to hold 12 elements (x is [2, 6]), it holds 25}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reshape(x = %x) {shape = array<i64: 5, 5>} : (tensor<2x6xf16>) -> tensor<5x5xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects perm with 2 entries, got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.transpose(x = %x) {perm = array<i64: 0>} : (tensor<2x6xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{perm entry 1 appears twice}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.transpose(x = %x) {perm = array<i64: 1, 1>} : (tensor<2x6xf16>) -> tensor<6x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{axis 3 is out of range for rank 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.expand_dims(x = %x) {axes = array<i64: 3>} : (tensor<2x6xf16>) -> tensor<2x6x1xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects axis 0 to have size 1, it has 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.squeeze(x = %x) {axes = array<i64: 0>} : (tensor<2x6xf16>) -> tensor<6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects reps with 2 entries, got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.tile(x = %x) {reps = array<i64: 2>} : (tensor<2x6xf16>) -> tensor<4x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects positive reps, got 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.tile(x = %x) {reps = array<i64: 0, 1>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects an even number of pad values, at most 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.pad(x = %x) {pad = array<i64: 1, 1, 1>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects mode constant, reflect or replicate, got 'wrap'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.pad(x = %x) {pad = array<i64: 1, 1>, mode = "wrap"} : (tensor<2x6xf16>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects non-negative pad values}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.pad(x = %x) {pad = array<i64: -1, 1>} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects reflect padding smaller than axis 1 (6)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.pad(x = %x) {pad = array<i64: 6, 0>, mode = "reflect"} : (tensor<2x6xf16>) -> tensor<2x12xf16>
  return
}

// -----

func.func @f(%x: tensor<6xf16>) {
  // expected-error@+1 {{expects x of rank at least 2 (the band is taken over the last two axes)}}
  %0 = mil.band_part(x = %x) : tensor<6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+1 {{expects lower and upper to be -1 (keep all) or non-negative}}
  %0 = mil.band_part(x = %x) {lower = -2} : tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{unknown dtype 'bf16'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.cast(x = %x) {dtype = "bf16"} : (tensor<2x6xf16>) -> tensor<2x6xf16>
  return
}

// -----

func.func @f(%x: tensor<2x6xf16>) {
  // expected-error@+2 {{expects output_dtype fp16 or fp32, got 'int8'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_cast(source_val = %x) {output_dtype = "int8"} : (tensor<2x6xf16>) -> tensor<2x6xi8>
  return
}

// -----

func.func @f(%q: tensor<4x2xi8>, %z: tensor<ui8>, %s: tensor<f16>) {
  // expected-error@+2 {{expects quantized_data and zero_point to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {axis = 0} : (tensor<4x2xi8>, tensor<ui8>, tensor<f16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%q: tensor<4x2xi8>, %z: tensor<i8>, %s: tensor<2xf16>) {
  // expected-error@+2 {{expects scale of size 4 (axis 0), got 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {axis = 0} : (tensor<4x2xi8>, tensor<i8>, tensor<2xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%q: tensor<4x2xi8>, %z: tensor<i8>, %s: tensor<4x2xf16>) {
  // expected-error@+2 {{expects scale to be a scalar or a vector, got rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {axis = 0} : (tensor<4x2xi8>, tensor<i8>, tensor<4x2xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%q: tensor<4x2xi8>, %z: tensor<i8>, %s: tensor<f16>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {axis = 2} : (tensor<4x2xi8>, tensor<i8>, tensor<f16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%i: tensor<2xui8>, %l: tensor<4xf16>) {
  // expected-error@+2 {{expects no vector_axis in the iOS16 form (with shape)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 2, 3>, vector_axis = 0} : (tensor<2xui8>, tensor<4xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<2x1xui8>, %l: tensor<4xf16>) {
  // expected-error@+2 {{expects packed uint8[M] indices in the iOS16 form}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 2, 3>} : (tensor<2x1xui8>, tensor<4xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<2xui8>, %l: tensor<1x4xf16>) {
  // expected-error@+2 {{expects a rank-1 lut in the iOS16 form, got rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 2, 3>} : (tensor<2xui8>, tensor<1x4xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<2xui8>, %l: tensor<8xf16>) {
  // expected-error@+2 {{expects a lut of 2, 4, 16, 64 or 256 entries, got 8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 2, 3>} : (tensor<2xui8>, tensor<8xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<3xui8>, %l: tensor<4xf16>) {
  // expected-error@+2 {{expects 2 bytes of 2-bit indices for 6 elements, got 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 2, 3>} : (tensor<3xui8>, tensor<4xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<2xui8>, %l: tensor<4xf16>) {
  // expected-error@+2 {{expects positive dimensions in shape, got 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {shape = array<i64: 0, 3>} : (tensor<2xui8>, tensor<4xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%i: tensor<4x2xui4>, %l: tensor<2x16x1xf16>) {
  // expected-error@+2 {{expects a lut of rank indices rank + 2 (4), got rank 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) : (tensor<4x2xui4>, tensor<2x16x1xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%i: tensor<4x2xui4>, %l: tensor<2x1x8x1xf16>) {
  // expected-error@+2 {{expects 16 lut entries for 4-bit indices, got 8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) : (tensor<4x2xui4>, tensor<2x1x8x1xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%i: tensor<4x2xui4>, %l: tensor<3x1x16x1xf16>) {
  // expected-error@+2 {{expects lut group count 3 to divide indices dimension 0 (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) : (tensor<4x2xui4>, tensor<3x1x16x1xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%i: tensor<4x2xui4>, %l: tensor<1x1x16x2xf16>) {
  // expected-error@+2 {{expects a vector_axis for vector_size 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) : (tensor<4x2xui4>, tensor<1x1x16x2xf16>) -> tensor<4x4xf16>
  return
}

// -----

func.func @f(%i: tensor<4x2xui4>, %l: tensor<1x1x16x2xf16>) {
  // expected-error@+2 {{vector_axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {vector_axis = 2} : (tensor<4x2xui4>, tensor<1x1x16x2xf16>) -> tensor<4x4xf16>
  return
}

// -----

func.func @f(%d: tensor<4x2xi4>, %s: tensor<2xf16>) {
  // expected-error@+2 {{expects scale of data's rank (2), got 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s) : (tensor<4x2xi4>, tensor<2xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%d: tensor<4x2xi4>, %s: tensor<3x1xf16>) {
  // expected-error@+2 {{expects scale dimension 0 (3) to divide data's (4)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s) : (tensor<4x2xi4>, tensor<3x1xf16>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%d: tensor<4x2xi4>, %s: tensor<2x1xf16>, %o: tensor<2x2xi4>) {
  // expected-error@+2 {{expects offset of scale's shape [2, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s, offset = %o) : (tensor<4x2xi4>, tensor<2x1xf16>, tensor<2x2xi4>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%d: tensor<4x2xi4>, %s: tensor<2x1xf16>, %o: tensor<2x1xi8>) {
  // expected-error@+2 {{expects data and offset to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s, offset = %o) : (tensor<4x2xi4>, tensor<2x1xf16>, tensor<2x1xi8>) -> tensor<4x2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x4xf16>, %s: tensor<f16>) {
  // expected-error@+2 {{expects output_dtype int8 or uint8, got 'int4'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.quantize(input = %x, scale = %s) {output_dtype = "int4"} : (tensor<2x4xf16>, tensor<f16>) -> tensor<2x4xi8>
  return
}

// -----

func.func @f(%x: tensor<2x4xf16>, %s: tensor<f16>, %z: tensor<i8>) {
  // expected-error@+2 {{expects a zero_point of the output dtype uint8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.quantize(input = %x, scale = %s, zero_point = %z) {output_dtype = "uint8"} : (tensor<2x4xf16>, tensor<f16>, tensor<i8>) -> tensor<2x4xui8>
  return
}

// -----

func.func @f(%x: tensor<2x4xf16>, %s: tensor<2xf16>) {
  // expected-error@+2 {{expects an axis for a per-channel scale}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.quantize(input = %x, scale = %s) {output_dtype = "int8"} : (tensor<2x4xf16>, tensor<2xf16>) -> tensor<2x4xi8>
  return
}

// -----

func.func @f(%x: tensor<2x4xf16>, %s: tensor<f32>) {
  // expected-error@+2 {{expects input and scale to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.quantize(input = %x, scale = %s) {output_dtype = "int8"} : (tensor<2x4xf16>, tensor<f32>) -> tensor<2x4xi8>
  return
}

// -----

func.func @f(%x: tensor<2x4xi8>, %s: tensor<f16>, %z: tensor<ui8>) {
  // expected-error@+2 {{expects input and zero_point to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.dequantize(input = %x, scale = %s, zero_point = %z) : (tensor<2x4xi8>, tensor<f16>, tensor<ui8>) -> tensor<2x4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x4xi8>, %s: tensor<3xf16>) {
  // expected-error@+2 {{expects scale of size 4 (axis 1), got 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.dequantize(input = %x, scale = %s) {axis = 1} : (tensor<2x4xi8>, tensor<3xf16>) -> tensor<2x4xf16>
  return
}

// -----

func.func @f(%s: !mil.state<tensor<2x4xf16>>, %v: tensor<2x4xf32>) {
  // expected-error@+1 {{failed to verify that value has the state's tensor type}}
  %0 = "mil.coreml_update_state"(%s, %v) : (!mil.state<tensor<2x4xf16>>, tensor<2x4xf32>) -> tensor<2x4xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %u: tensor<2x1xf32>, %b: tensor<2xi32>) {
  // expected-error@+2 {{expects x and update to have the same element type}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_update(x = %x, update = %u, begin = %b, end = %b) : (tensor<2x8xf16>, tensor<2x1xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %u: tensor<2x1xf16>, %b: tensor<3xi32>) {
  // expected-error@+2 {{expects begin of shape [2], got [3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_update(x = %x, update = %u, begin = %b, end = %b) : (tensor<2x8xf16>, tensor<2x1xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x8xf16>, %u: tensor<2x2xf16>) {
  %b = mil.const dense<[0, 3]> : tensor<2xi32>
  %e = mil.const dense<[2, 4]> : tensor<2xi32>
  // expected-error@+2 {{expects update [2, 2] to match the slice [2, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_update(x = %x, update = %u, begin = %b, end = %e) : (tensor<2x8xf16>, tensor<2x2xf16>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x8xf16>
  return
}

// -----

func.func @f(%x: tensor<8xf16>, %u: tensor<1x1xf16>, %b: tensor<1xi32>) {
  // expected-error@+2 {{expects update of rank at most x's (1)}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.slice_update(x = %x, update = %u, begin = %b, end = %b) : (tensor<8xf16>, tensor<1x1xf16>, tensor<1xi32>, tensor<1xi32>) -> tensor<8xf16>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.sqrt(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.square(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.tanh(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.erf(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.sigmoid(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.silu(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.relu(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.abs(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.sin(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.cos(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<4xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %0 = mil.rsqrt(x = %x) : tensor<4xi32>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2xf16>) {
  // expected-error@+2 {{expects x [2, 3] and y [2] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.real_div(x = %x, y = %y) : (tensor<2x3xf16>, tensor<2xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2xf16>) {
  // expected-error@+2 {{expects x [2, 3] and y [2] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.pow(x = %x, y = %y) : (tensor<2x3xf16>, tensor<2xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2xf16>) {
  // expected-error@+2 {{expects x [2, 3] and y [2] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.maximum(x = %x, y = %y) : (tensor<2x3xf16>, tensor<2xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>, %y: tensor<2xf16>) {
  // expected-error@+2 {{expects x [2, 3] and y [2] to broadcast}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.minimum(x = %x, y = %y) : (tensor<2x3xf16>, tensor<2xf16>) -> tensor<2x3xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>) {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reduce_max(x = %x) {axes = array<i64: -3>} : (tensor<2x3xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>) {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reduce_min(x = %x) {axes = array<i64: -3>} : (tensor<2x3xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x3xf16>) {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = mil.reduce_sum_square(x = %x) {axes = array<i64: -3>} : (tensor<2x3xf16>) -> tensor<2xf16>
  return
}

// -----

func.func @f(%x: tensor<2x4xf16>) {
  // expected-error@+1 {{operand #0 must be}}
  %0 = "mil.read_state"(%x) : (tensor<2x4xf16>) -> tensor<2x4xf16>
  return
}

// -----

func.func @f(%s: !mil.state<tensor<2x4xf16>>) {
  // expected-error@+2 {{inferred type(s) 'tensor<2x4xf16>' are incompatible with return type(s) of operation 'tensor<4x2xf16>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "mil.read_state"(%s) : (!mil.state<tensor<2x4xf16>>) -> tensor<4x2xf16>
  return
}
