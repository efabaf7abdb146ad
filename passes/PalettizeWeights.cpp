//===- PalettizeWeights.cpp - weights as look-up tables (palettization) ---===//
//
// Each weight of at least `weight-threshold` elements becomes
// constexpr_lut_to_dense: nbits-wide indices into an fp16 LUT of 2^nbits
// entries, one LUT per tensor (iOS16 form: uint8-packed indices) or per
// group of `group-size` output channels (iOS18 form: uintN indices). The
// LUT is the globally optimal k-means of the weights (`kmeans`, over the
// histogram of their distinct fp16 values) or evenly spaced (`uniform`).
// The ANE decompresses palettized weights in hardware.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"
#include "lib/Compression/KMeans1D.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Threading.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Regex.h"
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace anec {
#define GEN_PASS_DEF_PALETTIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// Packs nbits-wide values LSB-first.
std::vector<char> pack(const std::vector<uint8_t> &idx, unsigned bits) {
  std::vector<char> out((idx.size() * bits + 7) / 8, 0);
  for (size_t i = 0; i < idx.size(); ++i)
    for (unsigned b = 0; b < bits; ++b)
      if ((idx[i] >> b) & 1)
        out[(i * bits + b) / 8] |= (char)(1u << ((i * bits + b) % 8));
  return out;
}

struct PalettizeWeightsPass : anec::impl::PalettizeWeightsBase<PalettizeWeightsPass> {
  using PalettizeWeightsBase::PalettizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (!llvm::is_contained({1, 2, 3, 4, 6, 8}, (int)nbits)) {
      fn.emitError("nbits must be 1, 2, 3, 4, 6 or 8, got ") << (int64_t)nbits;
      return signalPassFailure();
    }
    if (mode != "kmeans" && mode != "uniform" && mode != "unique") {
      fn.emitError("mode must be kmeans, uniform or unique, got '") << mode << "'";
      return signalPassFailure();
    }
    if (mode == "unique" && mixedBits > 0) {
      fn.emitError("mode=unique chooses its own bits; it does not combine with mixed-bits");
      return signalPassFailure();
    }
    if (granularity != "per_tensor" && granularity != "per_grouped_channel") {
      fn.emitError("granularity must be per_tensor or per_grouped_channel, got '")
          << granularity << "'";
      return signalPassFailure();
    }
    FailureOr<llvm::Regex> parsed = parseExcludeRegex(fn, exclude);
    if (failed(parsed))
      return signalPassFailure();
    llvm::Regex &excluded = *parsed;
    SmallVector<Value> weights = collectWeights(fn, /*embeddings=*/true);
    if (mixedBits <= 0) {
      for (Value w : weights)
        palettize(w, excluded, (int)nbits);
      return;
    }
    // Mixed bit widths: start every weight at the fewest bits and give more
    // bits where they buy the most error per bit, until the average reaches
    // `mixed-bits` (a greedy walk down each weight's error-vs-bits curve).
    static const int kBits[] = {2, 3, 4, 6, 8};
    struct Candidate {
      Value weight;
      std::string name;
      int64_t elements;
      double errors[5];
      double energy;
      int level = 0;
    };
    std::vector<Candidate> cands;
    int64_t total = 0;
    for (Value wv : weights) {
      ConstOp c;
      std::vector<float> w;
      std::string name;
      if (!eligible(wv, excluded, c, w, name))
        continue;
      Candidate cand{wv, name, (int64_t)w.size(), {}, 0};
      int64_t rows = cast<RankedTensorType>(wv.getType()).getDimSize(0);
      for (int l = 0; l < 5; ++l) {
        auto [err, energy] = errorOf(fn.getContext(), w, rows, kBits[l]);
        cand.errors[l] = err;
        cand.energy = energy;
      }
      total += cand.elements;
      cands.push_back(std::move(cand));
    }
    double budget = mixedBits * total, used = 0;
    for (Candidate &c : cands)
      used += kBits[0] * c.elements;
    while (true) {
      Candidate *best = nullptr;
      double bestGain = 0;
      for (Candidate &c : cands) {
        if (c.level == 4)
          continue;
        double extra = (kBits[c.level + 1] - kBits[c.level]) * double(c.elements);
        if (used + extra > budget)
          continue;
        double gain = (c.errors[c.level] - c.errors[c.level + 1]) / extra;
        if (!best || gain > bestGain)
          best = &c, bestGain = gain;
      }
      if (!best)
        break;
      used += (kBits[best->level + 1] - kBits[best->level]) * double(best->elements);
      ++best->level;
    }
    for (Candidate &c : cands) {
      int bits = kBits[c.level];
      palettize(c.weight, excluded, bits);
    }
    if (report && total)
      emitRemark(fn.getLoc()) << fmt::format(
          "mixed palettization: {:.2f} bits per weight on average over {} weights",
          used / double(total), total);
  }

  /// The LUT (sorted, fp16-rounded) for `values` with `bits`-wide indices.
  std::vector<float> lutFor(const std::vector<float> &values, int bits) {
    int entries = 1 << bits;
    std::vector<double> lut;
    if (mode == "uniform") {
      auto [lo, hi] = std::minmax_element(values.begin(), values.end());
      for (int i = 0; i < entries; ++i)
        lut.push_back(*lo + (*hi - *lo) * (entries == 1 ? 0.0 : double(i) / (entries - 1)));
    } else {
      std::vector<float> sorted(values);
      std::sort(sorted.begin(), sorted.end());
      std::vector<double> x, w;
      for (float v : sorted) {
        if (!x.empty() && x.back() == v)
          w.back() += 1;
        else
          x.push_back(v), w.push_back(1);
      }
      lut = compression::optimalKMeans1D(x, w, entries);
    }
    std::vector<float> out;
    for (double c : lut)
      out.push_back((float)(_Float16)c);
    out.resize(entries, out.empty() ? 0.0f : out.back());
    std::sort(out.begin(), out.end());
    return out;
  }

  static uint8_t nearest(const std::vector<float> &lut, float v) {
    auto it = std::lower_bound(lut.begin(), lut.end(), v);
    size_t i = it - lut.begin();
    if (i == lut.size())
      return (uint8_t)(i - 1);
    if (i > 0 && std::fabs(lut[i - 1] - v) <= std::fabs(lut[i] - v))
      return (uint8_t)(i - 1);
    return (uint8_t)i;
  }

  /// The constant behind a weight operand, its fp16 values and its name, if
  /// it is one to palettize.
  bool eligible(Value weight, llvm::Regex &excluded, ConstOp &c, std::vector<float> &w,
                std::string &name) {
    Operation *def = weight.getDefiningOp();
    if (auto cast = dyn_cast_or_null<CastOp>(def))
      def = cast.getX().getDefiningOp();
    c = dyn_cast_or_null<ConstOp>(def);
    auto type = cast<RankedTensorType>(weight.getType());
    if (!c || type.getNumElements() < (int64_t)weightThreshold || !type.getElementType().isF16())
      return false;
    // The weight's name: its constant's location, or its cast's (constants
    // hoisted by canonicalization lose theirs).
    name.clear();
    for (Location loc : {c.getLoc(), weight.getLoc()})
      if (auto n = dyn_cast<NameLoc>(loc)) {
        name = n.getName().str();
        break;
      }
    if (!exclude.empty() && excluded.match(name))
      return false;
    if (!readWeightValues(c.getVal(), w, /*roundToHalf=*/true))
      return false;
    // A LUT cannot hold NaN or Inf faithfully (nearest-value search is
    // undefined on them): such a weight stays as it is, and says so.
    if (!llvm::all_of(w, [](float v) { return std::isfinite(v); })) {
      c.emitRemark("not palettized: the weight holds NaN or Inf");
      return false;
    }
    return true;
  }

  /// Output channels sharing one LUT. Per group, groups must tile the
  /// channels: the largest divisor of `rows` up to `group-size` (8250 vocab
  /// rows take 30-row groups), or one LUT for all when that divisor is so
  /// small that the LUTs would cost more than they buy.
  int64_t rowsPerLut(int64_t rows) {
    if (granularity != "per_grouped_channel")
      return rows;
    int64_t limit = std::min<int64_t>(groupSize, rows);
    for (int64_t d = limit; d >= 1; --d)
      if (rows % d == 0)
        return d * 4 >= limit ? d : rows;
    return rows;
  }

  /// Squared error and signal energy of palettizing `w` with `bits`.
  std::pair<double, double> errorOf(MLIRContext *ctx, const std::vector<float> &w, int64_t rows,
                                    int bits) {
    int64_t per = (int64_t)w.size() / rows;
    int64_t groupRows = rowsPerLut(rows), groups = rows / groupRows;
    std::vector<double> errs(groups), energies(groups);
    // Groups cluster independently: one task each, on the context's threads.
    parallelFor(ctx, 0, groups, [&](size_t g) {
      std::vector<float> values(w.begin() + g * groupRows * per,
                                w.begin() + (g + 1) * groupRows * per);
      std::vector<float> lut = lutFor(values, bits);
      for (float v : values) {
        float q = lut[nearest(lut, v)];
        errs[g] += double(v - q) * (v - q);
        energies[g] += double(v) * v;
      }
    });
    double err = 0, energy = 0;
    for (int64_t g = 0; g < groups; ++g)
      err += errs[g], energy += energies[g];
    return {err, energy};
  }

  void palettize(Value weight, llvm::Regex &excluded, int bits) {
    ConstOp c;
    std::vector<float> w;
    std::string name;
    if (!eligible(weight, excluded, c, w, name))
      return;
    auto type = cast<RankedTensorType>(weight.getType());
    int nbits = bits;
    if (mode == "unique") {
      // The fewest supported bits whose LUT holds every distinct value of
      // each LUT's rows: palettization without error, or none at all.
      int64_t rows = type.getDimSize(0), per = type.getNumElements() / rows;
      int64_t groupRows = rowsPerLut(rows);
      size_t distinct = 0;
      for (int64_t g = 0; g < rows / groupRows; ++g) {
        std::vector<float> v(w.begin() + g * groupRows * per, w.begin() + (g + 1) * groupRows * per);
        std::sort(v.begin(), v.end());
        distinct = std::max<size_t>(distinct, std::unique(v.begin(), v.end()) - v.begin());
      }
      if (distinct > 256) {
        c.emitRemark("not palettized: ") << distinct << " distinct values, more than 8 bits hold";
        return;
      }
      nbits = 8;
      for (int b : {1, 2, 3, 4, 6, 8})
        if ((size_t(1) << b) >= distinct) {
          nbits = b;
          break;
        }
    }
    int64_t rows = type.getDimSize(0), per = type.getNumElements() / rows;
    bool grouped = granularity == "per_grouped_channel";
    int64_t groupRows = rowsPerLut(rows);
    int64_t groups = rows / groupRows;
    int entries = 1 << nbits;
    std::vector<uint8_t> idx(w.size());
    std::vector<_Float16> luts(groups * entries);
    std::vector<double> errs(groups), energies(groups), maxAbsOf(groups);
    // Groups cluster independently, each writing its own slices.
    parallelFor(weight.getContext(), 0, groups, [&](size_t g) {
      const float *values = w.data() + g * groupRows * per;
      std::vector<float> lut = lutFor(std::vector<float>(values, values + groupRows * per), nbits);
      for (int64_t k = 0; k < groupRows * per; ++k) {
        uint8_t i = nearest(lut, values[k]);
        idx[g * groupRows * per + k] = i;
        double d = double(values[k]) - lut[i];
        errs[g] += d * d;
        energies[g] += double(values[k]) * values[k];
        maxAbsOf[g] = std::max(maxAbsOf[g], std::fabs(d));
      }
      for (int e = 0; e < entries; ++e)
        luts[g * entries + e] = (_Float16)lut[e];
    });
    double err = 0, energy = 0, maxAbs = 0;
    for (int64_t g = 0; g < groups; ++g)
      err += errs[g], energy += energies[g], maxAbs = std::max(maxAbs, maxAbsOf[g]);
    OpBuilder b(weight.getContext());
    b.setInsertionPointAfterValue(weight);
    Location loc = c.getLoc();
    MLIRContext *ctx = weight.getContext();
    std::vector<char> packed = pack(idx, nbits);
    auto heap = [&](ArrayRef<char> bytes) {
      return HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes);
    };
    std::string base = name.empty() ? "palettized" : name;
    Value result;
    // iOS16 holds 1/2/4/6/8-bit per-tensor LUTs; everything else is iOS18's.
    if (!grouped && nbits != 3) {
      auto idxType = RankedTensorType::get({(int64_t)packed.size()},
                                           IntegerType::get(ctx, 8, IntegerType::Unsigned));
      Value indices = b.create<ConstOp>(
          loc, DenseResourceElementsAttr::get(idxType, base + ".indices", heap(packed)));
      auto lutType = RankedTensorType::get({entries}, b.getF16Type());
      Value lut = b.create<ConstOp>(
          loc, DenseResourceElementsAttr::get(
                   lutType, base + ".lut",
                   heap(ArrayRef<char>(reinterpret_cast<const char *>(luts.data()), 2 * luts.size()))));
      result = b.create<ConstexprLutToDenseOp>(loc, type, indices, lut,
                                               b.getDenseI64ArrayAttr(type.getShape()), nullptr);
    } else {
      auto idxType = RankedTensorType::get(type.getShape(),
                                           IntegerType::get(ctx, nbits, IntegerType::Unsigned));
      Value indices = b.create<ConstOp>(
          loc, DenseResourceElementsAttr::get(idxType, base + ".indices", heap(packed)));
      SmallVector<int64_t> lutShape(type.getRank(), 1);
      lutShape[0] = groups;
      lutShape.append({entries, 1});
      auto lutType = RankedTensorType::get(lutShape, b.getF16Type());
      Value lut = b.create<ConstOp>(
          loc, DenseResourceElementsAttr::get(
                   lutType, base + ".lut",
                   heap(ArrayRef<char>(reinterpret_cast<const char *>(luts.data()), 2 * luts.size()))));
      result = b.create<ConstexprLutToDenseOp>(loc, type, indices, lut, nullptr, nullptr);
    }
    weight.replaceAllUsesExcept(result, result.getDefiningOp());
    if (report) {
      // Bytes after: packed indices and fp16 LUTs, against fp16 weights.
      double snr = err > 0 ? 10 * std::log10(energy / err) : INFINITY;
      emitRemark(loc) << fmt::format(
          "'{}': {} bits, {} LUT{} of {} entries, {} -> {} bytes, SNR {:.1f} dB, max abs error {:.3g}",
          name, nbits, groups, groups == 1 ? "" : "s", entries, 2 * w.size(),
          packed.size() + 2 * luts.size(), snr, maxAbs);
    }
    ++numPalettized;
  }
};

} // namespace
