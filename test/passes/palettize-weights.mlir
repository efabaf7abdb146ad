// RUN: anec-opt %s --anec-palettize-weights="nbits=2 weight-threshold=16" --canonicalize | %FileCheck %s
// RUN: anec-opt %s --anec-palettize-weights="nbits=4 granularity=per_grouped_channel group-size=8 weight-threshold=16" --canonicalize | %FileCheck %s --check-prefix=GROUPED
// RUN: anec-opt %s --anec-palettize-weights="nbits=3 weight-threshold=16" --canonicalize | %FileCheck %s --check-prefix=THREE
// Numerics: 8-bit k-means LUTs are near exact; 4-bit per group beats 4-bit
// per tensor, and k-means beats uniform (SNR bounds from this weight).
// RUN: anec-run %s --compare-pipeline='builtin.module(anec-palettize-weights{nbits=8 weight-threshold=16})' --mode=fp16 --min-snr=45 | %FileCheck %s --check-prefix=OK
// RUN: anec-run %s --compare-pipeline='builtin.module(anec-palettize-weights{nbits=4 weight-threshold=16 granularity=per_grouped_channel group-size=8})' --mode=fp16 --min-snr=20 | %FileCheck %s --check-prefix=OK
// RUN: not anec-run %s --compare-pipeline='builtin.module(anec-palettize-weights{nbits=4 weight-threshold=16 mode=uniform})' --mode=fp16 --min-snr=20 | %FileCheck %s --check-prefix=WORSE
// OK: main compare 0: {{.*}} ok
// WORSE: main compare 0: {{.*}} EXCEEDED
// The report: per weight, bits, LUTs, bytes before and after, SNR, max error.
// RUN: anec-opt %s --anec-palettize-weights="nbits=4 report=true weight-threshold=16" --mlir-print-debuginfo -o /dev/null 2>&1 | %FileCheck %s --check-prefix=REPORT
// REPORT: remark: {{.*}}'w': 4 bits, 1 LUT of 16 entries, 1024 -> 288 bytes, SNR 20.0 dB, max abs error 0.977
// RUN: anec-opt %s --anec-palettize-weights="nbits=4 granularity=per_grouped_channel group-size=8 report=true weight-threshold=16" -o /dev/null 2>&1 | %FileCheck %s --check-prefix=GREPORT
// GREPORT: remark: {{.*}}'w': 4 bits, 4 LUTs of 16 entries, 1024 -> 384 bytes, SNR {{.*}} dB
// Exported (iOS18 and iOS16 forms) and read back, the same numbers.
// RUN: rm -rf %t && mkdir -p %t
// RUN: anec-opt %s --anec-palettize-weights="nbits=4 granularity=per_grouped_channel group-size=8 weight-threshold=16" --mlir-print-debuginfo -o %t/g.mlir
// RUN: anec-translate --mil-to-mlpackage %t/g.mlir -o %t/g.mlpackage
// RUN: anec-run %t/g.mlir --compare=%t/g.mlpackage --mode=fp16 --max-rel=0 | %FileCheck %s --check-prefix=SAME
// RUN: anec-opt %s --anec-palettize-weights="nbits=2 weight-threshold=16" --mlir-print-debuginfo -o %t/t.mlir
// RUN: anec-translate --mil-to-mil-text %t/t.mlir -o %t/t.mil
// RUN: anec-run %t/t.mlir --compare=%t/t.mil --mode=fp16 --max-rel=0 | %FileCheck %s --check-prefix=SAME
// SAME: main compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// (The iOS16 form, in an ios16 program: palettize-ios16.mlir.)

// Per tensor, 2 bits, in an iOS18 program (the default opset): uint2
// indices shaped as the weight and one 4-entry LUT.
// CHECK-LABEL: func.func @main
// CHECK: %[[I:.*]] = mil.const dense_resource<w.indices> : tensor<32x16xui2>
// CHECK: %[[L:.*]] = mil.const dense_resource<w.lut> : tensor<1x1x4x1xf16>
// CHECK: %[[W:.*]] = mil.constexpr_lut_to_dense(indices = %[[I]], lut = %[[L]]) : (tensor<32x16xui2>, tensor<1x1x4x1xf16>) -> tensor<32x16xf16>
// CHECK: mil.linear(x = %{{.*}}, weight = %[[W]])
// Per 8-channel group, 4 bits: uint4 indices shaped as the weight, 4 LUTs.
// GROUPED: mil.constexpr_lut_to_dense({{.*}}) : (tensor<32x16xui4>, tensor<4x1x16x1xf16>) -> tensor<32x16xf16>
// 3-bit LUTs (iOS18 only).
// THREE: mil.constexpr_lut_to_dense({{.*}}) : (tensor<32x16xui3>, tensor<1x1x8x1xf16>) -> tensor<32x16xf16>
// Apple's reader (coremltools) loads every package written here.
// REQUIRES: coremltools
// RUN: %ct_load %t/g.mlpackage | %FileCheck %s --check-prefix=CT-LOAD
// CT-LOAD-NOT: rejected
// CT-LOAD: loaded by coremltools
// CT-LOAD-NOT: rejected
func.func @main(%x: tensor<4x16xf16>) -> tensor<4x32xf16> {
  %w = mil.const dense_resource<w> : tensor<32x16xf16> loc("w")
  %0 = mil.linear(x = %x, weight = %w) : (tensor<4x16xf16>, tensor<32x16xf16>) -> tensor<4x32xf16>
  return %0 : tensor<4x32xf16>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x0200000090AD47AC5BAC80A466AFD6A020AAB829202A752CE9286E998129D12C2FA8D0275F989C2C5BA9B8A3A3249C223FAD9C24119E23A2F49F9B21D0ADF82C83A92CAF329CAA2CA3A6F72CFB2C85A9E3AFE8AB992B3AA9D6AC48AC970059959529542AF7A903A042AB5D1B5DABAEABCC2EA2161E2810300829D89D9719C4A8012B3AA4A42D6AA487A45EA50128C920632C15A76E23342E27A2D126082D162710A899AEA82F8225092C19A6D22DA6261919C6A9B6243AA6B4A131AD47A6182001AC911B3F28DAA3F2A7F0A7062AE9ACB1A35EA55F1F209B17AB872E8C204BACB5A9FF1CD9274BAC8D2865AC16A97629712D569CEDA30F2CDCAA1D23F921762AA523D2A2DE2F36B336314EB0D4B1B5ACB6208C3072A9B5303E326AA548B2E3310D2BC5B653B2542764B45CB07BB5262D2F2A8228A23483AC67AB77362AB4AB3035B40C2AC536F22AF1B0A137F6AE47A9CB2B4CB423332E35DB303B2CA5A7AD310AB963A68F2A5BB6742D87A6149F31255D2FDD2DA4B2FDA5A9A8DE1F91AF35322D34DF341936C734E3ADDDAF17AD262FA6A65832483582AD453208AD0EB40FB416AC14B6642ED63475B347ACF034722C0229B2AA8532372CF0B2C8B74AB83630D0AAA234872E12B46F2BA133C5B183AE923597B5FAB2B832182950B3A8B4EF2DC5334A31432DC934F72B54B18136E6B3E3A67BA39434E3B016ABB3B5522CB32D2A30EEB1903313BBAAB707AD2C3D0BB79131C8BA96B8A4B938B1183A72BCB439ACBB3B357DB8FFB46FB6593CAA33393C22B622B45F3EAFBE36BB73B2313F11B9293A3C3E2DB459B2963EA1B851BC6C3A56B8173D1C381FBF0E3447A384B9503C31BF1FBD30B8213A47BE54B9F6B92CBEB8B6BEBCD3B7F533A1BB50BB20BC25BB76BEE8BCF12C65BB7842E1BAA83635BE00B5BBB8C9AF2E3DAAB200BD582D04BCE5B04B3E713B453C2C380BA83BBEC1B753B86939F53BA83766BA673FAE3DF7B24F321F39A62E4EAEE93754218A3272BE6EBEF73E17BECC3720351F338DB9103C9E3579B5A1BD5AB3CBB809BD1936AA38AF3AF32FA1B3993C443AA4409E3858BBE83BB7402F3B7EB7D3BED44561B712B91A3C28C498B95FC3C6B4833ED84176BC3A411FBCD2C4833F60B7E837B5C7913A773B793BA7420ABBAC46D2407D3F44C7AEC5C144B83D1F42FABA31AD1C4027C04A4407C2F73B88B7AE3D1D44FAC1033F1D3AE241853539BCBC3F6F44C741473BE33E2EC4B3BCECB4A5BC9BBEEE349E3E46469DBE8FC0E0424F3B70C00B45C5B149B89CBDA7C0E339E3C0CA47AA3D64B5B1BF9F3CBA425D3C23C27AB5C6C4A444C3409C3BD13C82BD18AF6C423B323040E73B193C243DE84252B8C04010C09ABD36BFD1416AB8094465C1153E33C27943D5BEF63EC3BEB1BF623CC6C469C2E74430C0A1416DC08DC4FDBAEC41933431B8D941AFBF"
    }
  }
#-}
