//===- Int8.cpp - linear 8-bit quantization of 16-bit weights --------------===//
#include "lib/Compression/Int8.h"
#include "lib/Support/Half.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace anec::compression;

namespace {

uint16_t patternAt(const void *in, size_t k) {
  uint16_t b;
  std::memcpy(&b, static_cast<const char *>(in) + 2 * k, 2);
  return b;
}

float valueOf(uint16_t b, Half16 kind) {
  return kind == Half16::BF16 ? anec::bf16ToFloat(b) : anec::halfToFloat(b);
}

/// Round half to even, as nearbyint in the default mode but without its
/// library call: adding and subtracting 1.5 · 2^23 leaves a float rounded to
/// an integer. Values beyond 2^22 (and NaN) go through nearbyint.
inline float roundHalfEven(float v) {
  if (!(std::fabs(v) < 4194304.0f))
    return std::nearbyint(v);
  const float big = 12582912.0f;
  return (v + big) - big;
}

/// The code of v. Far-out values are clamped before the integer conversion;
/// NaN goes low.
inline int64_t codeOf(float v, const Int8Code &c) {
  float r = roundHalfEven(v / c.step);
  r = r > -1e6f ? std::min(r, 1e6f) : -1e6f;
  return std::clamp((int64_t)r + c.zero, c.lo, c.hi);
}

#if defined(__x86_64__)
bool hasAvx2F16c() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  return yes;
}

/// Sign-magnitude patterns: the largest positive one and the largest
/// magnitude among the negative ones, sixteen at a time.
__attribute__((target("avx2,f16c"))) void patternMaxima(const void *in, size_t n,
                                                      uint16_t &posMax, uint16_t &negMax) {
  const char *p = static_cast<const char *>(in);
  __m256i pos = _mm256_setzero_si256(), neg = _mm256_setzero_si256();
  const __m256i mag = _mm256_set1_epi16(0x7fff);
  size_t k = 0;
  for (; k + 16 <= n; k += 16) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p + 2 * k));
    __m256i isNeg = _mm256_cmpgt_epi16(_mm256_setzero_si256(), v);
    pos = _mm256_max_epu16(pos, _mm256_andnot_si256(isNeg, v));
    neg = _mm256_max_epu16(neg, _mm256_and_si256(isNeg, _mm256_and_si256(v, mag)));
  }
  alignas(32) uint16_t a[16], b[16];
  _mm256_store_si256(reinterpret_cast<__m256i *>(a), pos);
  _mm256_store_si256(reinterpret_cast<__m256i *>(b), neg);
  posMax = negMax = 0;
  for (int i = 0; i < 16; ++i)
    posMax = std::max(posMax, a[i]), negMax = std::max(negMax, b[i]);
  for (; k < n; ++k) {
    uint16_t v = patternAt(in, k);
    if (v & 0x8000)
      negMax = std::max<uint16_t>(negMax, v & 0x7fff);
    else
      posMax = std::max(posMax, v);
  }
}

__attribute__((target("avx2,f16c"))) void quantizeAvx2(const void *in, Half16 kind, size_t n,
                                                     const Int8Code &code, int8_t *out,
                                                     Int8Error &error) {
  const char *p = static_cast<const char *>(in);
  const __m256 step = _mm256_set1_ps(code.step);
  const __m256 low = _mm256_set1_ps(-1e6f), high = _mm256_set1_ps(1e6f);
  const __m256i zero = _mm256_set1_epi32((int)code.zero);
  const __m256i qlo = _mm256_set1_epi32((int)code.lo), qhi = _mm256_set1_epi32((int)code.hi);
  const __m256d absMask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  __m256d err = _mm256_setzero_pd(), energy = _mm256_setzero_pd(), maxAbs = _mm256_setzero_pd();
  bool unsignedCodes = code.hi > 127;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 2 * k));
    __m256 v, half;
    if (kind == Half16::BF16) {
      v = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16));
      half = _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    } else {
      v = half = _mm256_cvtph_ps(b);
    }
    __m256 r = _mm256_round_ps(_mm256_div_ps(v, step),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_min_ps(_mm256_max_ps(r, low), high); // max(NaN, low) is low
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), zero);
    q = _mm256_min_epi32(_mm256_max_epi32(q, qlo), qhi);
    __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    __m128i q8 = unsignedCodes ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
    _mm_storel_epi64(reinterpret_cast<__m128i *>(out + k), q8);
    // What the program computes: step · (q − zero), in float, as the scalar.
    __m256 deq = _mm256_mul_ps(step, _mm256_cvtepi32_ps(_mm256_sub_epi32(q, zero)));
    for (int h = 0; h < 2; ++h) {
      __m256d hv = _mm256_cvtps_pd(h ? _mm256_extractf128_ps(half, 1) : _mm256_castps256_ps128(half));
      __m256d dv = _mm256_cvtps_pd(h ? _mm256_extractf128_ps(deq, 1) : _mm256_castps256_ps128(deq));
      __m256d d = _mm256_sub_pd(hv, dv);
      err = _mm256_add_pd(err, _mm256_mul_pd(d, d));
      energy = _mm256_add_pd(energy, _mm256_mul_pd(hv, hv));
      maxAbs = _mm256_max_pd(maxAbs, _mm256_and_pd(d, absMask));
    }
  }
  alignas(32) double e[4], g[4], m[4];
  _mm256_store_pd(e, err);
  _mm256_store_pd(g, energy);
  _mm256_store_pd(m, maxAbs);
  for (int i = 0; i < 4; ++i) {
    error.squared += e[i];
    error.energy += g[i];
    error.maxAbs = std::max(error.maxAbs, m[i]);
  }
  int8QuantizeScalar(p + 2 * k, kind, n - k, code, out + k, error);
}
#endif

} // namespace

namespace {

template <typename ValueAt> Int8Range rangeOf(size_t n, ValueAt valueAt) {
  Int8Range r;
  for (size_t k = 0; k < n; ++k) {
    float v = valueAt(k);
    if (std::isnan(v)) {
      r.hasNaN = true;
      continue;
    }
    r.lo = std::min(r.lo, v);
    r.hi = std::max(r.hi, v);
    r.peak = std::max(r.peak, std::fabs(v));
  }
  return r;
}

template <typename ValueAt>
void quantizeValues(size_t n, ValueAt valueAt, const Int8Code &code, int8_t *out,
                    Int8Error &error) {
  double err = 0, energy = 0, maxAbs = 0;
  for (size_t k = 0; k < n; ++k) {
    float v = valueAt(k);
    int64_t q = codeOf(v, code);
    out[k] = (int8_t)(uint8_t)q;
    double half = anec::halfToFloat(anec::floatToHalf(v));
    double d = half - double(code.step * float(q - code.zero));
    err += d * d;
    energy += half * half;
    maxAbs = std::max(maxAbs, std::fabs(d));
  }
  error.squared += err;
  error.energy += energy;
  error.maxAbs = std::max(error.maxAbs, maxAbs);
}

} // namespace

Int8Range anec::compression::int8RangeScalar(const void *in, Half16 kind, size_t n) {
  return rangeOf(n, [&](size_t k) { return valueOf(patternAt(in, k), kind); });
}

Int8Range anec::compression::int8RangeOfFloats(const float *in, size_t n) {
  return rangeOf(n, [&](size_t k) { return in[k]; });
}

void anec::compression::int8QuantizeFloats(const float *in, size_t n, const Int8Code &code,
                                           int8_t *out, Int8Error &error) {
  quantizeValues(n, [&](size_t k) { return in[k]; }, code, out, error);
}

Int8Range anec::compression::int8Range(const void *in, Half16 kind, size_t n) {
#if defined(__x86_64__)
  if (hasAvx2F16c()) {
    uint16_t pos, neg;
    patternMaxima(in, n, pos, neg);
    // Beyond Inf's pattern is NaN: the scalar walk says where.
    uint16_t inf = kind == Half16::BF16 ? 0x7f80 : 0x7c00;
    if (pos > inf || neg > inf)
      return int8RangeScalar(in, kind, n);
    Int8Range r;
    r.hi = valueOf(pos, kind);
    r.lo = -valueOf(neg, kind);
    r.peak = std::max(r.hi, -r.lo);
    return r;
  }
#endif
  return int8RangeScalar(in, kind, n);
}

void anec::compression::int8QuantizeScalar(const void *in, Half16 kind, size_t n,
                                           const Int8Code &code, int8_t *out, Int8Error &error) {
  quantizeValues(n, [&](size_t k) { return valueOf(patternAt(in, k), kind); }, code, out, error);
}

void anec::compression::int8Quantize(const void *in, Half16 kind, size_t n, const Int8Code &code,
                                     int8_t *out, Int8Error &error) {
#if defined(__x86_64__)
  if (hasAvx2F16c())
    return quantizeAvx2(in, kind, n, code, out, error);
#endif
  int8QuantizeScalar(in, kind, n, code, out, error);
}
