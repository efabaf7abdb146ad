// The bool-mask form computes what SDPA with a bool mask does (fp32).
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-split-attention))' --max-rel=1e-5 | %FileCheck %s
// CHECK: compare 0: {{.*}} ok
func.func @main(%q: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %m = mil.const dense<[[true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
  %0 = mil.scaled_dot_product_attention(query = %q, key = %q, value = %q, attn_mask = %m) : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<3x3xi1>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}
