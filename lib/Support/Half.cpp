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

float anec::halfToFloatSlow(uint16_t bits) { return halfTable().value[bits]; }
