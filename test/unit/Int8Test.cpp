//===- Int8Test.cpp - the int8 quantization kernel --------------------------===//
#include "lib/Compression/Int8.h"
#include "lib/Support/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace anec::compression;

namespace {

std::vector<uint16_t> bf16Weights(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<uint16_t> out(n);
  for (uint16_t &b : out) {
    float v = normal(rng);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    b = uint16_t(bits >> 16);
  }
  return out;
}

// The vector kernel (where this CPU has AVX2 and F16C) gives the scalar
// kernel's codes bit for bit and its error up to summation order: odd
// lengths, every 16-bit pattern, signed and unsigned codes, both formats.
TEST(Int8, VectorCodesEqualScalar) {
  std::vector<uint16_t> every(65536);
  for (uint32_t i = 0; i < 65536; ++i)
    every[i] = uint16_t(i * 40503u);
  for (Half16 kind : {Half16::BF16, Half16::F16})
    for (const std::vector<uint16_t> &w : {bf16Weights(100003, 1), every})
      for (Int8Code code : {Int8Code{0.0003f, 0, -127, 127}, Int8Code{0.5f, 128, 0, 255},
                            Int8Code{0.0002f, -3, -128, 127}}) {
        std::vector<int8_t> fast(w.size()), slow(w.size());
        Int8Error ef, es;
        int8Quantize(w.data(), kind, w.size(), code, fast.data(), ef);
        int8QuantizeScalar(w.data(), kind, w.size(), code, slow.data(), es);
        ASSERT_EQ(fast, slow);
        // Patterns with NaN make both NaN; everything else agrees closely.
        if (!std::isnan(es.squared)) {
          EXPECT_NEAR(ef.squared, es.squared, 1e-9 * es.squared);
          EXPECT_NEAR(ef.energy, es.energy, 1e-9 * es.energy);
        }
      }
}

TEST(Int8, RangeEqualsScalarAndFlagsNaN) {
  for (Half16 kind : {Half16::BF16, Half16::F16}) {
    std::vector<uint16_t> w = bf16Weights(4099, 2);
    Int8Range fast = int8Range(w.data(), kind, w.size());
    Int8Range slow = int8RangeScalar(w.data(), kind, w.size());
    EXPECT_EQ(fast.lo, slow.lo);
    EXPECT_EQ(fast.hi, slow.hi);
    EXPECT_EQ(fast.peak, slow.peak);
    EXPECT_FALSE(fast.hasNaN);
    w[1234] = kind == Half16::BF16 ? 0x7fc1 : 0x7e01; // a NaN
    Int8Range nan = int8Range(w.data(), kind, w.size());
    EXPECT_TRUE(nan.hasNaN);
    EXPECT_EQ(nan.peak, slow.peak); // NaN takes no part in the range
  }
  // All positive: lo stays 0, as the quantizer starts it.
  std::vector<uint16_t> pos = {0x3f80, 0x4000}; // bf16 1, 2
  Int8Range r = int8Range(pos.data(), Half16::BF16, pos.size());
  EXPECT_EQ(r.lo, 0.0f);
  EXPECT_EQ(r.hi, 2.0f);
  EXPECT_EQ(r.peak, 2.0f);
}

} // namespace
