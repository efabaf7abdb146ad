// Sub-byte weights in the blob: 4-bit and 3-bit LUT indices (iOS18
// per-grouped-channel palettization) packed LSB-first, 3-bit straddling
// bytes, with the dtype codes and padding bits of coreml-format.md §3.
// RUN: rm -rf %t && mkdir -p %t
// RUN: anec-translate --mil-to-mil-text %s -o %t/p.mil
// RUN: %FileCheck %s < %t/p.mil/model.mil
// CHECK: tensor<uint4, [4, 5]> i4 = const()[name = string("i4"), val = tensor<uint4, [4, 5]>(BLOBFILE(path = string("@model_path/weights/weight.bin"), offset = uint64(64)))];
// CHECK: tensor<uint3, [2, 7]> i3 = const()[name = string("i3"), val = tensor<uint3, [2, 7]>(BLOBFILE(path = string("@model_path/weights/weight.bin"), offset = uint64(320)))];
// The interpreter's decompression, checked against numpy's reading of the
// blob bytes; then the re-imported program computes the same.
// RUN: anec-run %s --output-dir=%t
// RUN: %python %S/check_subbyte.py %t/p.mil/weights/weight.bin %t | %FileCheck %s --check-prefix=BYTES
// BYTES: uint4 blob: dtype 11, 10 bytes, 0 padding bits, lookups match
// BYTES: uint3 blob: dtype 12, 6 bytes, 6 padding bits, lookups match
// RUN: anec-translate --import-mil-text %t/p.mil -o %t/p.mlir
// RUN: anec-run %s --compare=%t/p.mlir --max-rel=0 | %FileCheck %s --check-prefix=SAME
// SAME: main compare 0: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
// SAME: main compare 1: max_abs 0 max_rel 0 snr inf dB cosine 1.000000 ok
func.func @main() -> (tensor<4x5xf16>, tensor<2x7xf16>) {
  %i4 = mil.const dense<[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 0, 15, 0, 15]]> : tensor<4x5xui4> loc("i4")
  %l4 = mil.const dense<[[[[-8.0], [-7.0], [-6.0], [-5.0], [-4.0], [-3.0], [-2.0], [-1.0], [0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]]]]> : tensor<1x1x16x1xf16> loc("l4")
  %w4 = mil.constexpr_lut_to_dense(indices = %i4, lut = %l4) : (tensor<4x5xui4>, tensor<1x1x16x1xf16>) -> tensor<4x5xf16> loc("w4")
  %i3 = mil.const dense<[[0, 1, 2, 3, 4, 5, 6], [7, 6, 5, 4, 3, 2, 1]]> : tensor<2x7xui3> loc("i3")
  %l3 = mil.const dense<[[[[0.5], [1.5], [2.5], [3.5], [4.5], [5.5], [6.5], [7.5]]], [[[-0.5], [-1.5], [-2.5], [-3.5], [-4.5], [-5.5], [-6.5], [-7.5]]]]> : tensor<2x1x8x1xf16> loc("l3")
  %w3 = mil.constexpr_lut_to_dense(indices = %i3, lut = %l3) : (tensor<2x7xui3>, tensor<2x1x8x1xf16>) -> tensor<2x7xf16> loc("w3")
  return %w4, %w3 : tensor<4x5xf16>, tensor<2x7xf16>
}
