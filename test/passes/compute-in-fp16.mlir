// RUN: anec-opt %s --anec-compute-in-fp16 --canonicalize | %FileCheck %s
// fp32 mode computes the same function; fp16 mode stays within fp16 rounding.
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-compute-in-fp16))' --max-rel=0 | %FileCheck %s --check-prefix=SAME
// RUN: anec-run %s --compare-pipeline='builtin.module(func.func(anec-compute-in-fp16))' --test-mode=fp16 --min-snr=50 | %FileCheck %s --check-prefix=SAME
// SAME: main compare 0: {{.*}} ok
// RUN: anec-opt %s --anec-compute-in-fp16 | anec-opt --anec-check-ane=checks=fp16 -o /dev/null

// An fp32 program: one cast in, fp16 inside (the small constant converted,
// the weight cast, the inner cast to fp32 gone), one cast out.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: tensor<2x16xf32>) -> tensor<2x8xf32>
// CHECK-DAG: %[[W:.*]] = mil.const dense_resource<w> : tensor<8x16xf32>
// CHECK-DAG: %[[S:.*]] = mil.const dense<5.000000e-01> : tensor<f16>
// CHECK: %[[XH:.*]] = mil.cast(x = %[[X]]) {dtype = "fp16"} : (tensor<2x16xf32>) -> tensor<2x16xf16>
// CHECK: %[[WH:.*]] = mil.cast(x = %[[W]]) {dtype = "fp16"} : (tensor<8x16xf32>) -> tensor<8x16xf16>
// CHECK: %[[L:.*]] = mil.linear(x = %[[XH]], weight = %[[WH]]) : (tensor<2x16xf16>, tensor<8x16xf16>) -> tensor<2x8xf16>
// CHECK: %[[M:.*]] = mil.mul(x = %[[L]], y = %[[S]]) : (tensor<2x8xf16>, tensor<f16>) -> tensor<2x8xf16>
// CHECK: %[[T:.*]] = mil.tanh(x = %[[M]]) : tensor<2x8xf16>
// CHECK: %[[O:.*]] = mil.cast(x = %[[T]]) {dtype = "fp32"} : (tensor<2x8xf16>) -> tensor<2x8xf32>
// CHECK: return %[[O]]
func.func @main(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  %w = mil.const dense_resource<w> : tensor<8x16xf32>
  %s = mil.const dense<0.5> : tensor<f32>
  %0 = mil.linear(x = %x, weight = %w) : (tensor<2x16xf32>, tensor<8x16xf32>) -> tensor<2x8xf32>
  %1 = mil.mul(x = %0, y = %s) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %2 = mil.cast(x = %1) {dtype = "fp32"} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %3 = mil.tanh(x = %2) : tensor<2x8xf32>
  return %3 : tensor<2x8xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000003697413DD8D205BE117DD3BD00411CBFD05CE63E0774923ED29DA6BD3018463ED8FA8F3D55C70DBEDC417A3E45019FBD9B5BA8BD21CA4ABE44F0E83D5928CBBC0B980B3E86701BBE29DF013D126C64BE406A573E458C403D9A40A93D922DD23D806081BE8D7E483E05A1033F7CB8D1BE5B5DDDBE519EC0BEDA69573E0ACE033D20078A3E3BF1383E23A0573D736D913DB2D52DBD69535E3E889A90BEE1FDD7BDF6C4783DF594E63EECB343BEA71E8ABE973310BE3922783E49A570BD3484A93E0CAFEFBE7273903E7F76843ED696B5BE92441D3DF29D9B3EE60EB43C6FEC7F3E26FE173FD9408C3D458E8FBDAD6345BE90E7253E9B7349BD4A0937BD7092D7BCDC5D263ED17D88BEFED2C3BEA3C41BBF0C6E993EF920973C984BC13E70BD12BBE6FD3DBE26B3F43D63DA9CBC3089A0BEB99362BED325E23E716DB53D9E30D53D30988DBD769130BE8E43643E6546D6BCE95442BEFD5809BDCCD567BE609B423D888A903EAD0956BE88DAB63E24E92ABE14181D3D6D1D56BE9E9163BD212B423C068FDEBD76F033BEF3892DBE8A3752BE62F8C8BEF4A386BD9C64CD3D078D683E86A8253E00451D3F3D2AA33D99A4E9BDB991EF3E3E0B86BE26EE773E5E8474BE204EB53D6DF4FBBECD36663EAA0B22BDF9B977BE6FD6D63E49EE433EFFA03B3C61D53EBEF99C31BCF1DC27BDF48A393EA84E4C3E15F22ABE8DA30CBE6F3508BE"
    }
  }
#-}
