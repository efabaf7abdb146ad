// Compressed weights in an iOS18 program through the writers and readers:
// constexpr ops take their inputs as values; the LUT is the iOS18 form
// (uintN indices shaped as the weight, [groups..., 2^N, 1] LUTs).
// REQUIRES: coremltools
// RUN: rm -rf %t && mkdir -p %t
// RUN: anec-translate --mil-to-mil-text %s -o %t/a18.mil
// RUN: %FileCheck %s --check-prefix=IOS18 < %t/a18.mil/model.mil
// IOS18: tensor<int8, [16, 4]> q = const()[name = string("q"), val = tensor<int8, [16, 4]>(BLOBFILE(path = string("@model_path/weights/weight.bin"), offset = uint64(64)))];
// IOS18: tensor<fp16, [16, 4]> w = constexpr_affine_dequantize(axis = w_axis, quantized_data = q, scale = s, zero_point = zp)[name = string("w")];
// IOS18: tensor<fp16, [12, 4]> lw = constexpr_lut_to_dense(indices = idx, lut = lut)[name = string("lw")];
// RUN: anec-translate --import-mil-text %t/a18.mil -o %t/t.mlir
// RUN: anec-translate --mil-to-mil-text %t/t.mlir -o %t/b18.mil
// RUN: diff -r %t/a18.mil %t/b18.mil
// RUN: anec-translate --mil-to-mlpackage %s -o %t/p.mlpackage
// RUN: anec-translate --import-mlpackage %t/p.mlpackage -o %t/p.mlir
// RUN: anec-translate --mil-to-mlpackage %t/p.mlir -o %t/b.mlpackage
// RUN: diff -r %t/p.mlpackage %t/b.mlpackage
// RUN: anec-run %s --compare=%t/t.mlir --mode=fp16 --max-rel=0 | %FileCheck %s
// RUN: anec-run %s --compare=%t/p.mlpackage --mode=fp16 --max-rel=0 | %FileCheck %s
// CHECK: main compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// The iOS18 LUT is not an iOS16 op.
// RUN: not anec-translate --mil-to-mlpackage %s --os=ios16 -o %t/x.mlpackage 2>&1 | %FileCheck %s --check-prefix=NOT16
// NOT16: the program is not valid in the ios16 opset: {{.*}}'mil.constexpr_lut_to_dense' op input 'indices' is uint2, but constexpr_lut_to_dense takes uint8 in the ios16 opset
// RUN: %ct_load %t/p.mlpackage | %FileCheck %s --check-prefix=CT
// CT: p.mlpackage: loaded by coremltools {{.*}}: spec 9, functions main
func.func @main(%x: tensor<2x4xf16>) -> tensor<2x28xf16> {
  %q = mil.const dense<[[43, 78, -123, 78], [-8, 3, 33, -55], [122, -115, -57, -30], [18, -24, -95, -117], [-128, -116, -90, 127], [-80, 39, 64, -68], [-56, -17, -61, 121], [-83, 101, 76, 88], [-99, -28, 32, -2], [42, 45, 41, -113], [117, 14, 103, -59], [-36, 97, -81, -112], [-33, 45, -97, 94], [-41, -70, 11, 101], [98, 95, -50, -124], [71, 53, 69, -128]]> : tensor<16x4xi8> loc("q")
  %zp = mil.const dense<3> : tensor<i8> loc("zp")
  %s = mil.const dense<0.0625> : tensor<f16> loc("s")
  %w = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %zp, scale = %s) {axis = 0} : (tensor<16x4xi8>, tensor<i8>, tensor<f16>) -> tensor<16x4xf16> loc("w")
  %idx = mil.const dense<[[3, 2, 0, 1], [2, 3, 0, 0], [3, 1, 1, 0], [3, 2, 0, 1], [2, 1, 1, 2], [3, 3, 1, 1], [0, 0, 2, 3], [1, 3, 3, 0], [0, 1, 1, 2], [3, 2, 2, 0], [1, 0, 2, 2], [0, 3, 1, 3]]> : tensor<12x4xui2> loc("idx")
  %lut = mil.const dense<[[[[-1.0], [-0.5], [0.5], [1.0]]]]> : tensor<1x1x4x1xf16> loc("lut")
  %lw = mil.constexpr_lut_to_dense(indices = %idx, lut = %lut) : (tensor<12x4xui2>, tensor<1x1x4x1xf16>) -> tensor<12x4xf16> loc("lw")
  %both = mil.concat(values = (%w, %lw)) {axis = 0} : (tensor<16x4xf16>, tensor<12x4xf16>) -> tensor<28x4xf16> loc("both")
  %y = mil.linear(x = %x, weight = %both) : (tensor<2x4xf16>, tensor<28x4xf16>) -> tensor<2x28xf16> loc("y")
  return %y : tensor<2x28xf16>
}
