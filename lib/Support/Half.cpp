//===- Half.cpp - fp16 bit patterns to and from float ---------------------===//
#include "lib/Support/Half.h"

#include <cmath>
#include <cstring>

namespace {

struct HalfTable {
  float value[65536];
  HalfTable() {
    for (uint32_t h = 0; h < 65536; ++h) {
      uint32_t sign = (h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
      float f;
      if (exp == 0) {
        f = std::ldexp(float(man), -24); // zero or subnormal
      } else if (exp == 31) {
        f = man ? NAN : INFINITY;
      } else {
        uint32_t bits = ((exp + 112) << 23) | (man << 13);
        std::memcpy(&f, &bits, 4);
      }
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      bits |= sign;
      std::memcpy(&f, &bits, 4);
      value[h] = f;
    }
  }
};

const HalfTable &halfTable() {
  static const HalfTable table;
  return table;
}

} // namespace

float anec::halfToFloat(uint16_t bits) { return halfTable().value[bits]; }

uint16_t anec::floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) // Inf stays Inf, NaN stays a (quiet) NaN
    return uint16_t(sign | (absx > 0x7f800000 ? 0x7e00 : 0x7c00));
  if (absx >= 0x477ff000) // rounds past 65504
    return uint16_t(sign | 0x7c00);
  if (absx < 0x38800000) { // below 2^-14: a subnormal half (or zero)
    float a;
    std::memcpy(&a, &absx, 4);
    // Scaling by 2^24 is exact; nearbyint rounds half to even.
    return uint16_t(sign | (uint32_t)std::nearbyint(a * 16777216.0f));
  }
  uint32_t mant = absx & 0x7fffff;
  uint32_t h = (((absx >> 23) - 112) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h; // a carry into the exponent is the correct rounding
  return uint16_t(sign | h);
}
