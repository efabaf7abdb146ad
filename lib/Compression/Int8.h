//===- Int8.h - linear 8-bit quantization of 16-bit weights ---*- C++ -*-===//
//
// The kernel behind anec-quantize-weights for weights stored as bf16 or fp16
// bit patterns (what checkpoints hold): the range of a run of values, and
// each value's 8-bit code with what the dequantized program computes against
// the fp16 weight. Eight values at a time with AVX2 and F16C where the CPU
// has them, with the same codes as the scalar code (division and rounding to
// nearest even, as the reference). No MLIR: callers own the threads.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_COMPRESSION_INT8_H
#define ANEC_LIB_COMPRESSION_INT8_H

#include <cstddef>
#include <cstdint>

namespace anec::compression {

/// 16-bit float patterns: bf16 (a float's top half) or IEEE fp16.
enum class Half16 { BF16, F16 };

/// The range of a run of values, as the quantizer starts it: lo ≤ 0 ≤ hi.
struct Int8Range {
  float lo = 0, hi = 0, peak = 0; ///< peak = max |v|
  bool hasNaN = false;            ///< NaN values take no part in the range
};

/// Range of n patterns at `in` (any alignment).
Int8Range int8Range(const void *in, Half16 kind, size_t n);

struct Int8Code {
  float step;      ///< the fp16 scale
  int64_t zero;    ///< zero point
  int64_t lo, hi;  ///< code range (−127/−128 .. 127, or 0/1 .. 255)
};

/// Σ (fp16(v) − step·(q − zero))², Σ fp16(v)², max |…| over a run.
struct Int8Error {
  double squared = 0, energy = 0, maxAbs = 0;
};

/// Codes of n patterns at `in` into `out` (bytes; unsigned codes as their
/// low 8 bits), adding the error of the run to `error`.
void int8Quantize(const void *in, Half16 kind, size_t n, const Int8Code &code, int8_t *out,
                  Int8Error &error);

/// The same for float values (weights not stored as 16-bit patterns): the
/// codes of the values themselves, the error against their fp16 rounding.
Int8Range int8RangeOfFloats(const float *in, size_t n);
void int8QuantizeFloats(const float *in, size_t n, const Int8Code &code, int8_t *out,
                        Int8Error &error);

/// The scalar versions (what the vector ones must equal), for tests; a run
/// with NaN takes these (its range says so).
Int8Range int8RangeScalar(const void *in, Half16 kind, size_t n);
void int8QuantizeScalar(const void *in, Half16 kind, size_t n, const Int8Code &code, int8_t *out,
                        Int8Error &error);

} // namespace anec::compression

#endif // ANEC_LIB_COMPRESSION_INT8_H
