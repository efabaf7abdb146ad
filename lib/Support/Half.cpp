//===- Half.cpp - fp16 bit patterns to and from float ---------------------===//
#include "lib/Support/Half.h"

#include <cmath>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
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

namespace {

void bf16ToHalfScalar(const unsigned char *in, uint16_t *out, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    uint16_t b;
    std::memcpy(&b, in + 2 * k, 2);
    out[k] = anec::floatToHalf(anec::bf16ToFloat(b));
  }
}

#if defined(__x86_64__)
// bf16 is the top half of a float: widen, shift, and let the hardware round
// to fp16 (to nearest even, as floatToHalf). A block holding a NaN goes
// through floatToHalf, whose NaN is canonical.
__attribute__((target("avx2,f16c"))) void bf16ToHalfF16c(const unsigned char *in,
                                                        uint16_t *out, size_t n) {
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + 2 * k));
    __m256 f = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16));
    if (_mm256_movemask_ps(_mm256_cmp_ps(f, f, _CMP_UNORD_Q))) {
      bf16ToHalfScalar(in + 2 * k, out + k, 8);
      continue;
    }
    __m128i h = _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out + k), h);
  }
  bf16ToHalfScalar(in + 2 * k, out + k, n - k);
}
#endif

} // namespace

void anec::bf16ToHalf(const void *in, uint16_t *out, size_t n) {
  auto *bytes = static_cast<const unsigned char *>(in);
#if defined(__x86_64__)
  static const bool f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  if (f16c)
    return bf16ToHalfF16c(bytes, out, n);
#endif
  bf16ToHalfScalar(bytes, out, n);
}
