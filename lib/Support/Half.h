//===- Half.h - fp16 bit patterns to and from float -----------*- C++ -*-===//
//
// Conversions every weight goes through (a 1B model is 1.2 billion of
// them): a table lookup one way, bit arithmetic the other, instead of the
// library calls a _Float16 cast becomes without F16C.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_HALF_H
#define ANEC_LIB_SUPPORT_HALF_H

#include <cstdint>

namespace anec {

/// The float value of an fp16 bit pattern.
float halfToFloat(uint16_t bits);

/// The fp16 bit pattern nearest to `v` (round to nearest even; NaN stays
/// NaN, overflow becomes Inf), as a C cast to _Float16 gives.
uint16_t floatToHalf(float v);

/// The float value of a bf16 bit pattern.
inline float bf16ToFloat(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float f;
  __builtin_memcpy(&f, &wide, 4);
  return f;
}

} // namespace anec

#endif // ANEC_LIB_SUPPORT_HALF_H
