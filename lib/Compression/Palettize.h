//===- Palettize.h - one LUT for a run of fp16 weights --------*- C++ -*-===//
//
// The kernel behind anec-palettize-weights and the palettization benchmark:
// given the fp16 values of one tensor or one channel group, the 2^bits-entry
// fp16 LUT (globally optimal k-means, or evenly spaced) and each value's
// index into it. No MLIR: callers own the threads and the IR.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_COMPRESSION_PALETTIZE_H
#define ANEC_LIB_COMPRESSION_PALETTIZE_H

#include "lib/Support/Half.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace anec::compression {

/// KMeans: coarse to fine where values are many (lib/Compression/KMeans1D.h),
/// KMeansExact: the optimal clusters always, Uniform: evenly spaced.
enum class LutMode { KMeans, KMeansExact, Uniform };

/// What palettizing one run of values cost.
struct PaletteError {
  double squaredError = 0; ///< Σ (value − LUT entry)²
  double energy = 0;       ///< Σ value²
  double maxAbsError = 0;
  /// Σ (value − nearest centroid)² with the centroids before fp16 rounding:
  /// the k-means objective itself (kmeans modes, when the palettizer was
  /// asked to measure it: setMeasureObjective).
  double objective = 0;
};

/// Output channels sharing one LUT when LUTs go per `groupSize` channels.
/// Groups must tile the channels: the largest divisor of `rows` up to
/// `groupSize` (8250 vocabulary rows take 30-row groups), or one LUT for all
/// when that divisor is so small that the LUTs would cost more than they buy.
int64_t rowsPerLut(int64_t rows, int64_t groupSize);

/// fp16 conversions (lib/Support/Half.h), where the kernel's callers look.
using anec::floatToHalf;
using anec::halfToFloat;

/// Packs `n` indices of `bits` bits LSB-first into (n * bits + 7) / 8 bytes
/// (MIL's sub-byte layout).
void packIndices(const uint8_t *indices, size_t n, int bits, uint8_t *out);

/// Palettizes runs of fp16 values, reusing its scratch (two 65536-entry
/// tables) between calls: one per thread, see forThisThread(). The values
/// must be finite (callers reject NaN/Inf first).
class Palettizer {
public:
  Palettizer();

  /// This thread's palettizer.
  static Palettizer &forThisThread();

  /// Also measure the k-means objective of each run (benchmarks: it costs
  /// a search per distinct value).
  void setMeasureObjective(bool on) { measureObjective = on; }

  /// Writes the 2^bits LUT entries (fp16 bits, ascending) to `lut` and each
  /// value's index of its nearest LUT entry to `indices` (either may be null
  /// when only the error is wanted).
  PaletteError run(const uint16_t *values, size_t count, int bits, LutMode mode,
                   uint8_t *indices, uint16_t *lut);

  /// The distinct values of the last run, ascending, and their counts.
  const std::vector<double> &distinctValues() const { return x; }
  const std::vector<double> &distinctCounts() const { return w; }

private:
  std::vector<uint32_t> count;  // per fp16 key; zero between runs
  std::vector<uint8_t> nearest; // per fp16 key, valid for the current run
  std::vector<uint16_t> keys, scratch;
  std::vector<double> x, w;
  bool measureObjective = false;
};

} // namespace anec::compression

#endif // ANEC_LIB_COMPRESSION_PALETTIZE_H
