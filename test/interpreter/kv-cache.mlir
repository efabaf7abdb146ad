// A two-function stateful program: prefill writes K/V for 4 tokens into a
// KV cache held as state, decode appends one token at a run-time position.
// check_kv_cache.py runs prefill, then decode twice, then `full` over all 6
// tokens at once, and checks that every row agrees (and with numpy).
// RUN: %python %S/check_kv_cache.py anec-run %s %t

func.func @prefill(%x: tensor<1x4x8xf16>, %mask: tensor<4x8xf16>,
                   %kc: !mil.state<tensor<1x8x8xf16>> {mil.state_name = "k_cache"},
                   %vc: !mil.state<tensor<1x8x8xf16>> {mil.state_name = "v_cache"}) -> tensor<1x4x8xf16> {
  %wq = mil.const dense_resource<wq> : tensor<8x8xf16>
  %wk = mil.const dense_resource<wk> : tensor<8x8xf16>
  %wv = mil.const dense_resource<wv> : tensor<8x8xf16>
  %begin = mil.const dense<[0, 0, 0]> : tensor<3xi32>
  %end = mil.const dense<[1, 4, 8]> : tensor<3xi32>
  %q = mil.linear(x = %x, weight = %wq) : (tensor<1x4x8xf16>, tensor<8x8xf16>) -> tensor<1x4x8xf16>
  %k = mil.linear(x = %x, weight = %wk) : (tensor<1x4x8xf16>, tensor<8x8xf16>) -> tensor<1x4x8xf16>
  %v = mil.linear(x = %x, weight = %wv) : (tensor<1x4x8xf16>, tensor<8x8xf16>) -> tensor<1x4x8xf16>
  %k0 = mil.read_state(input = %kc) : !mil.state<tensor<1x8x8xf16>>
  %k1 = mil.slice_update(x = %k0, update = %k, begin = %begin, end = %end) : (tensor<1x8x8xf16>, tensor<1x4x8xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x8x8xf16>
  %k2 = mil.coreml_update_state(state = %kc, value = %k1) : !mil.state<tensor<1x8x8xf16>>
  %v0 = mil.read_state(input = %vc) : !mil.state<tensor<1x8x8xf16>>
  %v1 = mil.slice_update(x = %v0, update = %v, begin = %begin, end = %end) : (tensor<1x8x8xf16>, tensor<1x4x8xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x8x8xf16>
  %v2 = mil.coreml_update_state(state = %vc, value = %v1) : !mil.state<tensor<1x8x8xf16>>
  %o = mil.scaled_dot_product_attention(query = %q, key = %k2, value = %v2, attn_mask = %mask) : (tensor<1x4x8xf16>, tensor<1x8x8xf16>, tensor<1x8x8xf16>, tensor<4x8xf16>) -> tensor<1x4x8xf16>
  return %o : tensor<1x4x8xf16>
}

func.func @decode(%x: tensor<1x1x8xf16>, %begin: tensor<3xi32>, %end: tensor<3xi32>, %mask: tensor<1x8xf16>,
                  %kc: !mil.state<tensor<1x8x8xf16>> {mil.state_name = "k_cache"},
                  %vc: !mil.state<tensor<1x8x8xf16>> {mil.state_name = "v_cache"}) -> tensor<1x1x8xf16> {
  %wq = mil.const dense_resource<wq> : tensor<8x8xf16>
  %wk = mil.const dense_resource<wk> : tensor<8x8xf16>
  %wv = mil.const dense_resource<wv> : tensor<8x8xf16>
  %q = mil.linear(x = %x, weight = %wq) : (tensor<1x1x8xf16>, tensor<8x8xf16>) -> tensor<1x1x8xf16>
  %k = mil.linear(x = %x, weight = %wk) : (tensor<1x1x8xf16>, tensor<8x8xf16>) -> tensor<1x1x8xf16>
  %v = mil.linear(x = %x, weight = %wv) : (tensor<1x1x8xf16>, tensor<8x8xf16>) -> tensor<1x1x8xf16>
  %k0 = mil.read_state(input = %kc) : !mil.state<tensor<1x8x8xf16>>
  %k1 = mil.slice_update(x = %k0, update = %k, begin = %begin, end = %end) : (tensor<1x8x8xf16>, tensor<1x1x8xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x8x8xf16>
  %k2 = mil.coreml_update_state(state = %kc, value = %k1) : !mil.state<tensor<1x8x8xf16>>
  %v0 = mil.read_state(input = %vc) : !mil.state<tensor<1x8x8xf16>>
  %v1 = mil.slice_update(x = %v0, update = %v, begin = %begin, end = %end) : (tensor<1x8x8xf16>, tensor<1x1x8xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x8x8xf16>
  %v2 = mil.coreml_update_state(state = %vc, value = %v1) : !mil.state<tensor<1x8x8xf16>>
  %o = mil.scaled_dot_product_attention(query = %q, key = %k2, value = %v2, attn_mask = %mask) : (tensor<1x1x8xf16>, tensor<1x8x8xf16>, tensor<1x8x8xf16>, tensor<1x8xf16>) -> tensor<1x1x8xf16>
  return %o : tensor<1x1x8xf16>
}

func.func @full(%x: tensor<1x6x8xf16>, %mask: tensor<6x6xf16>) -> tensor<1x6x8xf16> {
  %wq = mil.const dense_resource<wq> : tensor<8x8xf16>
  %wk = mil.const dense_resource<wk> : tensor<8x8xf16>
  %wv = mil.const dense_resource<wv> : tensor<8x8xf16>
  %q = mil.linear(x = %x, weight = %wq) : (tensor<1x6x8xf16>, tensor<8x8xf16>) -> tensor<1x6x8xf16>
  %k = mil.linear(x = %x, weight = %wk) : (tensor<1x6x8xf16>, tensor<8x8xf16>) -> tensor<1x6x8xf16>
  %v = mil.linear(x = %x, weight = %wv) : (tensor<1x6x8xf16>, tensor<8x8xf16>) -> tensor<1x6x8xf16>
  %o = mil.scaled_dot_product_attention(query = %q, key = %k, value = %v, attn_mask = %mask) : (tensor<1x6x8xf16>, tensor<1x6x8xf16>, tensor<1x6x8xf16>, tensor<6x6xf16>) -> tensor<1x6x8xf16>
  return %o : tensor<1x6x8xf16>
}
