//===- Half.h - fp16 bit patterns to and from float -----------*- C++ -*-===//
//
// Conversions every weight goes through (a 1B model is 1.2 billion of
// them): a table lookup one way, bit arithmetic the other, instead of the
// library calls a _Float16 cast becomes without F16C.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_HALF_H
#define ANEC_LIB_SUPPORT_HALF_H

#include <cstddef>
#include <cstdint>

namespace anec {

/// The float value of an fp16 bit pattern: zeros, subnormals, Inf and NaN
/// (from a table).
float halfToFloatSlow(uint16_t bits);

/// The float value of an fp16 bit pattern; normal numbers by bit arithmetic
/// inline, the rest through the table.
inline float halfToFloat(uint16_t h) {
  uint32_t exp = (h >> 10) & 0x1f;
  if (exp == 0 || exp == 31)
    return halfToFloatSlow(h);
  uint32_t bits = (uint32_t(h & 0x8000) << 16) | ((exp + 112) << 23) | (uint32_t(h & 0x3ff) << 13);
  float f;
  __builtin_memcpy(&f, &bits, 4);
  return f;
}

/// The fp16 bit pattern nearest to `f` (round to nearest even; NaN stays
/// NaN, overflow becomes Inf), as a C cast to _Float16 gives. Inline: it is
/// the inner loop of every weight conversion.
inline uint16_t floatToHalf(float f) {
  uint32_t x;
  __builtin_memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) // Inf stays Inf, NaN stays a (quiet) NaN
    return uint16_t(sign | (absx > 0x7f800000 ? 0x7e00 : 0x7c00));
  if (absx >= 0x477ff000) // rounds past 65504
    return uint16_t(sign | 0x7c00);
  if (absx < 0x38800000) { // below 2^-14: a subnormal half (or zero)
    float a;
    __builtin_memcpy(&a, &absx, 4);
    // Scaling by 2^24 is exact; rint rounds half to even.
    return uint16_t(sign | (uint32_t)__builtin_rintf(a * 16777216.0f));
  }
  uint32_t mant = absx & 0x7fffff;
  uint32_t h = (((absx >> 23) - 112) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h; // a carry into the exponent is the correct rounding
  return uint16_t(sign | h);
}

/// The float value of a bf16 bit pattern.
inline float bf16ToFloat(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float f;
  __builtin_memcpy(&f, &wide, 4);
  return f;
}

/// `n` bf16 bit patterns (at any alignment) as fp16 bit patterns, each as
/// floatToHalf would give it; eight at a time with F16C where the CPU has it.
void bf16ToHalf(const void *in, uint16_t *out, size_t n);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_HALF_H
