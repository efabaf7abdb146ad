// Compressed weights through the writers and readers in an iOS16 program:
// constexpr ops take their inputs as literals (attributes); the iOS17 form
// is the same. The iOS18 form is in constexpr-ios18.mlir.
// REQUIRES: coremltools
// RUN: rm -rf %t && mkdir -p %t
// RUN: anec-translate --mil-to-mil-text %s --os=ios16 -o %t/a16.mil
// RUN: %FileCheck %s --check-prefix=IOS16 < %t/a16.mil/model.mil
// IOS16: tensor<fp16, [16, 4]> w = constexpr_affine_dequantize()[axis = tensor<int32, []>(0), name = string("w"), quantized_data = tensor<int8, [16, 4]>(BLOBFILE(path = string("@model_path/weights/weight.bin"), offset = uint64(64))), scale = tensor<fp16, []>(0x1p-4), zero_point = tensor<int8, []>(3)];
// IOS16: tensor<fp16, [12, 4]> lw = constexpr_lut_to_dense()[indices = tensor<uint8, [12]>(BLOBFILE({{.*}})), lut = tensor<fp16, [4]>([-0x1p+0, -0x1p-1, 0x1p-1, 0x1p+0]), name = string("lw"), shape = tensor<uint32, [2]>([12, 4])];
// RUN: for os in ios16 ios17; do anec-translate --mil-to-mil-text %s --os=$os -o %t/$os.mil && anec-translate --import-mil-text %t/$os.mil -o %t/$os.mlir && anec-translate --mil-to-mil-text %t/$os.mlir --os=$os -o %t/$os.b.mil && diff -r %t/$os.mil %t/$os.b.mil && anec-translate --mil-to-mlpackage %s --os=$os -o %t/$os.mlpackage && anec-translate --import-mlpackage %t/$os.mlpackage -o %t/$os.p.mlir && anec-translate --mil-to-mlpackage %t/$os.p.mlir --os=$os -o %t/$os.b.mlpackage && diff -r %t/$os.mlpackage %t/$os.b.mlpackage || exit 1; done
// RUN: anec-run %s --compare=%t/ios16.mlir --mode=fp16 --max-rel=0 | %FileCheck %s
// RUN: anec-run %s --compare=%t/ios17.p.mlir --mode=fp16 --max-rel=0 | %FileCheck %s
// CHECK: main compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// Apple's reader loads both packages.
// RUN: %ct_load %t/ios16.mlpackage %t/ios17.mlpackage | %FileCheck %s --check-prefix=CT
// CT: ios16.mlpackage: loaded by coremltools {{.*}}: spec 7, functions main
// CT: ios17.mlpackage: loaded by coremltools {{.*}}: spec 8, functions main
module attributes {mil.opset = "ios16"} {
  func.func @main(%x: tensor<2x4xf16>) -> tensor<2x28xf16> {
    %q = mil.const dense<[[43, 78, -123, 78], [-8, 3, 33, -55], [122, -115, -57, -30], [18, -24, -95, -117], [-128, -116, -90, 127], [-80, 39, 64, -68], [-56, -17, -61, 121], [-83, 101, 76, 88], [-99, -28, 32, -2], [42, 45, 41, -113], [117, 14, 103, -59], [-36, 97, -81, -112], [-33, 45, -97, 94], [-41, -70, 11, 101], [98, 95, -50, -124], [71, 53, 69, -128]]> : tensor<16x4xi8> loc("q")
    %zp = mil.const dense<3> : tensor<i8> loc("zp")
    %s = mil.const dense<0.0625> : tensor<f16> loc("s")
    %w = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %zp, scale = %s) {axis = 0} : (tensor<16x4xi8>, tensor<i8>, tensor<f16>) -> tensor<16x4xf16> loc("w")
    %idx = mil.const dense<[75, 206, 39, 81, 30, 38, 71, 178, 148, 114, 43, 204]> : tensor<12xui8> loc("idx")
    %lut = mil.const dense<[-1.0, -0.5, 0.5, 1.0]> : tensor<4xf16> loc("lut")
    %lw = mil.constexpr_lut_to_dense(indices = %idx, lut = %lut) {shape = array<i64: 12, 4>} : (tensor<12xui8>, tensor<4xf16>) -> tensor<12x4xf16> loc("lw")
    %both = mil.concat(values = (%w, %lw)) {axis = 0} : (tensor<16x4xf16>, tensor<12x4xf16>) -> tensor<28x4xf16> loc("both")
    %y = mil.linear(x = %x, weight = %both) : (tensor<2x4xf16>, tensor<28x4xf16>) -> tensor<2x28xf16> loc("y")
    return %y : tensor<2x28xf16>
  }
}
