//===- Palettize.cpp - one LUT for a run of fp16 weights ------------------===//
//
// Per run: count the fp16 bit patterns (a 65536-entry table, so no sort of
// the values themselves), radix-sort the distinct patterns by value, cluster
// the weighted histogram exactly (optimalKMeans1D), then map each distinct
// pattern to its nearest fp16 LUT entry once and every value through that
// map. A 1B model's per-grouped-channel palettization is ~150,000 runs, so
// the per-run cost is what matters.
//
//===----------------------------------------------------------------------===//
#include "lib/Compression/Palettize.h"
#include "lib/Compression/KMeans1D.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace anec::compression;

namespace {

/// fp16 bits to a key whose unsigned order is the values' order.
inline uint16_t orderKey(uint16_t h) { return (h & 0x8000) ? uint16_t(~h) : uint16_t(h | 0x8000); }
inline uint16_t fromOrderKey(uint16_t k) {
  return (k & 0x8000) ? uint16_t(k & 0x7fff) : uint16_t(~k);
}

} // namespace

int64_t anec::compression::rowsPerLut(int64_t rows, int64_t groupSize) {
  int64_t limit = std::min<int64_t>(groupSize, rows);
  for (int64_t d = limit; d >= 1; --d)
    if (rows % d == 0)
      return d * 4 >= limit ? d : rows;
  return rows;
}

void anec::compression::packIndices(const uint8_t *indices, size_t n, int bits, uint8_t *out) {
  if (bits == 8) {
    std::memcpy(out, indices, n);
    return;
  }
  // LSB-first through a 64-bit accumulator.
  uint64_t acc = 0;
  int filled = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= uint64_t(indices[i] & ((1u << bits) - 1)) << filled;
    filled += bits;
    while (filled >= 8) {
      out[o++] = uint8_t(acc);
      acc >>= 8;
      filled -= 8;
    }
  }
  if (filled > 0)
    out[o] = uint8_t(acc);
}

Palettizer::Palettizer() : count(65536, 0), nearest(65536, 0) {}

Palettizer &Palettizer::forThisThread() {
  thread_local Palettizer palettizer;
  return palettizer;
}

PaletteError Palettizer::run(const uint16_t *values, size_t n, int bits, LutMode mode,
                             uint8_t *indices, uint16_t *lutOut) {
  keys.clear();
  // Histogram of keys; the distinct keys in first-seen order, then
  // radix-sorted.
  for (size_t i = 0; i < n; ++i) {
    uint16_t k = orderKey(values[i]);
    if (count[k]++ == 0)
      keys.push_back(k);
  }
  scratch.resize(keys.size());
  for (int shift : {0, 8}) {
    size_t offsets[257] = {};
    for (uint16_t k : keys)
      ++offsets[((k >> shift) & 0xff) + 1];
    for (int b = 0; b < 256; ++b)
      offsets[b + 1] += offsets[b];
    for (uint16_t k : keys)
      scratch[offsets[(k >> shift) & 0xff]++] = k;
    keys.swap(scratch);
  }
  x.resize(keys.size());
  w.resize(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    x[i] = halfToFloat(fromOrderKey(keys[i]));
    w[i] = count[keys[i]];
    count[keys[i]] = 0;
  }

  int entries = 1 << bits;
  std::vector<double> centroids;
  if (x.empty()) {
    centroids.assign(1, 0.0);
  } else if (mode == LutMode::Uniform) {
    double lo = x.front(), hi = x.back();
    for (int i = 0; i < entries; ++i)
      centroids.push_back(lo + (hi - lo) * (entries == 1 ? 0.0 : double(i) / (entries - 1)));
  } else {
    centroids = optimalKMeans1D(x, w, entries,
                                mode == LutMode::KMeansExact ? KMeansSearch::Exact
                                                             : KMeansSearch::Auto);
  }
  // The LUT as stored: fp16, ascending, padded with its last entry.
  uint16_t lutBits[256];
  float lut[256];
  for (int e = 0; e < entries; ++e)
    lutBits[e] = floatToHalf((float)centroids[std::min<size_t>(e, centroids.size() - 1)]);
  std::sort(lutBits, lutBits + entries,
            [](uint16_t a, uint16_t b) { return orderKey(a) < orderKey(b); });
  for (int e = 0; e < entries; ++e)
    lut[e] = halfToFloat(lutBits[e]);

  PaletteError err;
  if (measureObjective && mode != LutMode::Uniform && !x.empty())
    err.objective = quantizationError(x, w, centroids);
  // Distinct values are ascending: the nearest entry only moves up.
  int e = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    float v = (float)x[i];
    while (e + 1 < entries && std::fabs(lut[e + 1] - v) < std::fabs(lut[e] - v))
      ++e;
    nearest[keys[i]] = uint8_t(e);
    double d = x[i] - lut[e];
    err.squaredError += w[i] * d * d;
    err.energy += w[i] * x[i] * x[i];
    err.maxAbsError = std::max(err.maxAbsError, std::fabs(d));
  }
  if (indices)
    for (size_t i = 0; i < n; ++i)
      indices[i] = nearest[orderKey(values[i])];
  if (lutOut)
    std::memcpy(lutOut, lutBits, 2 * entries);
  return err;
}
