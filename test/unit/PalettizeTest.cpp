//===- PalettizeTest.cpp - the palettization kernel's building blocks -----===//
#include "lib/Compression/Palettize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace anec::compression;

namespace {

uint16_t castToHalf(float f) {
  _Float16 h = (_Float16)f;
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

// The bit-arithmetic conversion rounds exactly as the compiler's cast:
// every half boundary, subnormals, overflow, signed zeros, Inf and NaN.
TEST(Palettize, FloatToHalfMatchesTheCast) {
  std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.0f, 65504.0f, 65519.99f, 65520.0f,
                               -65520.0f, 1e-8f, 5.96046448e-8f, 2.98023224e-8f,
                               2.98023225e-8f, 6.1035156e-5f, 6.1e-5f,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::denorm_min()};
  // Every fp16 value and the midpoints around it.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    float v = halfToFloat((uint16_t)h);
    values.push_back(v);
    values.push_back(std::nextafter(v, INFINITY));
    values.push_back(std::nextafter(v, -INFINITY));
    float next = halfToFloat((uint16_t)(h + 1));
    float mid = (float)(((double)v + (double)next) / 2);
    values.push_back(mid);
    values.push_back(-mid);
  }
  std::mt19937 rng(1);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, 4);
    if (!std::isnan(f))
      values.push_back(f);
  }
  for (float f : values)
    ASSERT_EQ(floatToHalf(f), castToHalf(f)) << "value " << f;
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::quiet_NaN()) & 0x7c00, 0x7c00);
  EXPECT_NE(floatToHalf(std::numeric_limits<float>::quiet_NaN()) & 0x3ff, 0);
}

TEST(Palettize, PacksIndicesLsbFirst) {
  std::mt19937 rng(2);
  for (int bits : {1, 2, 3, 4, 6, 8})
    for (size_t n : {1u, 7u, 8u, 13u, 64u, 1001u}) {
      std::vector<uint8_t> idx(n);
      for (uint8_t &v : idx)
        v = rng() & ((1u << bits) - 1);
      std::vector<uint8_t> packed((n * bits + 7) / 8 + 1, 0xEE);
      packIndices(idx.data(), n, bits, packed.data());
      for (size_t i = 0; i < n; ++i) {
        unsigned v = 0;
        for (int b = 0; b < bits; ++b)
          v |= ((packed[(i * bits + b) / 8] >> ((i * bits + b) % 8)) & 1u) << b;
        ASSERT_EQ(v, idx[i]) << "bits " << bits << " n " << n << " i " << i;
      }
      EXPECT_EQ(packed.back(), 0xEE) << "wrote past the end";
    }
}

// Every value maps to its nearest LUT entry, and the LUT is ascending fp16.
TEST(Palettize, IndicesPointToTheNearestEntry) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 0.02f);
  std::vector<uint16_t> values(4096);
  for (uint16_t &v : values)
    v = floatToHalf(normal(rng));
  Palettizer &p = Palettizer::forThisThread();
  for (int bits : {2, 4, 6}) {
    std::vector<uint8_t> idx(values.size());
    uint16_t lut[256];
    PaletteError err = p.run(values.data(), values.size(), bits, LutMode::KMeans, idx.data(), lut);
    int entries = 1 << bits;
    for (int e = 1; e < entries; ++e)
      EXPECT_LE(halfToFloat(lut[e - 1]), halfToFloat(lut[e]));
    double sse = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      float v = halfToFloat(values[i]);
      float chosen = std::fabs(halfToFloat(lut[idx[i]]) - v);
      for (int e = 0; e < entries; ++e)
        ASSERT_LE(chosen, std::fabs(halfToFloat(lut[e]) - v));
      sse += double(chosen) * chosen;
    }
    EXPECT_NEAR(err.squaredError, sse, 1e-12 + 1e-9 * sse);
    EXPECT_LE(err.objective, err.squaredError * (1 + 1e-9) + 1e-12);
  }
}

} // namespace

// The bulk bf16 -> fp16 conversion (F16C where the CPU has it) gives what
// floatToHalf gives for every bf16 pattern, at any alignment and length,
// NaNs included.
TEST(Palettize, Bf16ToHalfMatchesFloatToHalf) {
  std::vector<uint16_t> in(65536 + 9);
  for (uint32_t i = 0; i < in.size(); ++i)
    in[i] = uint16_t(i * 40503u); // every pattern, in scattered order
  for (size_t offset : {0, 1, 3}) {
    size_t n = in.size() - offset - (offset ? 2 : 0);
    std::vector<uint16_t> bulk(n);
    anec::bf16ToHalf(in.data() + offset, bulk.data(), n);
    for (size_t k = 0; k < n; ++k)
      ASSERT_EQ(bulk[k], anec::floatToHalf(anec::bf16ToFloat(in[offset + k])))
          << "bf16 pattern " << in[offset + k] << " at offset " << offset;
  }
}
