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
// A module pass: functions share weights (prefill and decode hold the same
// constant attributes), and each shared weight is clustered once, counted
// once in a mixed-bits budget, and given the same LUT in every function.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/CompressionReport.h"
#include "anec/Progress.h"
#include "passes/WeightValues.h"
#include "lib/Compression/Palettize.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
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

struct PalettizeWeightsPass : anec::impl::PalettizeWeightsBase<PalettizeWeightsPass> {
  using PalettizeWeightsBase::PalettizeWeightsBase;

  /// A distinct weight and the bits it gets (0: stays fp16).
  struct Weight : DistinctWeight {
    int bits = 0;
  };

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!llvm::is_contained({1, 2, 3, 4, 6, 8}, (int)nbits)) {
      module.emitError("nbits must be 1, 2, 3, 4, 6 or 8, got ") << (int64_t)nbits;
      return signalPassFailure();
    }
    if (mode != "kmeans" && mode != "kmeans-exact" && mode != "uniform" && mode != "unique") {
      module.emitError("mode must be kmeans, kmeans-exact, uniform or unique, got '") << mode << "'";
      return signalPassFailure();
    }
    if (!std::isfinite((double)mixedBits) || mixedBits < 0 || mixedBits > 8) {
      module.emitError("mixed-bits must be 0 (off) or an average from 2 to 8 bits, got ")
          << (double)mixedBits;
      return signalPassFailure();
    }
    if (vocabMinBits < 0 || vocabMinBits > 8) {
      module.emitError("vocab-min-bits must be 0 (off) to 8, got ") << (int64_t)vocabMinBits;
      return signalPassFailure();
    }
    if (mode == "unique" && mixedBits > 0) {
      module.emitError("mode=unique chooses its own bits; it does not combine with mixed-bits");
      return signalPassFailure();
    }
    if (granularity != "per_tensor" && granularity != "per_grouped_channel") {
      module.emitError("granularity must be per_tensor or per_grouped_channel, got '")
          << granularity << "'";
      return signalPassFailure();
    }
    if (groupSize < 1) {
      module.emitError("group-size must be at least 1, got ") << (int64_t)groupSize;
      return signalPassFailure();
    }
    // The module's opset decides the LUT form: iOS16/17 hold per-tensor LUTs
    // of 1, 2, 4, 6 or 8 bits (uint8-packed indices); iOS18 holds all.
    opset = targetOpset(module);
    if (opset < Opset::iOS16) {
      module.emitError("palettized weights need the ios16 opset or newer, the module's is ")
          << opsetName(opset);
      return signalPassFailure();
    }
    if (opset < Opset::iOS18 && granularity == "per_grouped_channel") {
      module.emitError("per_grouped_channel LUTs need the ios18 opset, the module's is ")
          << opsetName(opset);
      return signalPassFailure();
    }
    if (perChannelScale && opset < Opset::iOS18) {
      module.emitError("per-channel-scale needs iOS18 (constexpr_blockwise_shift_scale)");
      return signalPassFailure();
    }
    if (perChannelScale && mode == "unique") {
      module.emitError("per-channel-scale changes the values; it does not combine with mode=unique");
      return signalPassFailure();
    }
    if (opset < Opset::iOS18 && nbits == 3 && mixedBits <= 0 && mode != "unique") {
      module.emitError("3-bit LUTs need the ios18 opset, the module's is ") << opsetName(opset);
      return signalPassFailure();
    }
    FailureOr<llvm::Regex> parsed = parseExcludeRegex(module, exclude);
    if (failed(parsed))
      return signalPassFailure();
    std::vector<Weight> weights;
    for (DistinctWeight &w : collectDistinctWeights(module, /*embeddings=*/true, weightThreshold,
                                                    exclude, *parsed))
      weights.push_back({std::move(w), 0});

    if (mixedBits <= 0) {
      for (Weight &w : weights)
        w.bits = (int)nbits;
    } else if (failed(chooseMixedBits(module, weights))) {
      return signalPassFailure();
    }
    std::vector<WeightReport> reports;
    for (size_t i = 0; i < weights.size(); ++i) {
      palettize(weights[i], reports);
      reportProgress("palettize", i + 1, weights.size());
    }
    if (!reportFile.empty() && failed(writeCompressionReport(module, reportFile, reports)))
      return signalPassFailure();
  }

  /// The weight's values as fp16 bits; failure (with a remark) when they
  /// cannot be read or a LUT cannot hold them.
  LogicalResult readValues(const Weight &w, std::vector<uint16_t> &half) {
    Operation *c = w.uses.front().constant;
    if (!readWeightHalfBits(c->getContext(), w.values(), half))
      return failure();
    releaseWeightPages(w.values());
    // A LUT cannot hold NaN or Inf faithfully (nearest-value search is
    // undefined on them): such a weight stays as it is, and says so.
    if (llvm::any_of(half, [](uint16_t h) { return (h & 0x7c00) == 0x7c00; })) {
      c->emitRemark("not palettized: the weight holds NaN or Inf");
      return failure();
    }
    return success();
  }

  int64_t rowsPerLut(int64_t rows) {
    return granularity == "per_grouped_channel" ? compression::rowsPerLut(rows, groupSize) : rows;
  }

  compression::LutMode lutMode() const {
    return mode == "uniform"        ? compression::LutMode::Uniform
           : mode == "kmeans-exact" ? compression::LutMode::KMeansExact
                                    : compression::LutMode::KMeans;
  }

  /// Squared error and signal energy of palettizing `w` with `bits`.
  std::pair<double, double> errorOf(MLIRContext *ctx, const std::vector<uint16_t> &w, int64_t rows,
                                    int bits) {
    int64_t per = (int64_t)w.size() / rows;
    int64_t groupRows = rowsPerLut(rows), groups = rows / groupRows;
    std::vector<compression::PaletteError> errs(groups);
    // Groups cluster independently: one task each, on the context's threads.
    parallelFor(ctx, 0, groups, [&](size_t g) {
      errs[g] = compression::Palettizer::forThisThread().run(
          w.data() + g * groupRows * per, groupRows * per, bits, lutMode(), nullptr, nullptr);
    });
    double err = 0, energy = 0;
    for (const compression::PaletteError &e : errs)
      err += e.squaredError, energy += e.energy;
    return {err, energy};
  }

  /// The embedding table (read by a gather) or the LM head (named so, or
  /// sliced from it).
  static bool isVocabularyTable(const Weight &w) {
    llvm::StringRef name(w.name);
    return name.starts_with("lm_head") || name.contains("embed_tokens") ||
           name.starts_with("token_embd") || name.starts_with("output.weight") ||
           llvm::any_of(w.uses, [](const DistinctWeight::Use &u) {
             return llvm::any_of(u.weight.getUsers(),
                                 [](Operation *user) { return isa<mil::GatherOp>(user); });
           });
  }

  /// Mixed bit widths: start every weight at the fewest bits and give more
  /// bits where they buy the most error per bit, until the average reaches
  /// `mixed-bits` (a greedy walk down each weight's error-vs-bits curve,
  /// errors relative to each weight's mean square).
  /// Bits are what is stored: indices and LUTs. A weight shared by several
  /// functions counts once.
  LogicalResult chooseMixedBits(ModuleOp module, std::vector<Weight> &weights) {
    // Before iOS18 there are no 3-bit LUTs.
    const std::vector<int> kBits =
        opset < Opset::iOS18 ? std::vector<int>{2, 4, 6, 8} : std::vector<int>{2, 3, 4, 6, 8};
    const int levels = (int)kBits.size();
    const int level4 = (int)(llvm::find(kBits, 4) - kBits.begin());
    struct Candidate {
      Weight *weight;
      double errors[5];
      double storedBits[5];
      int level = 0;
      bool vocabulary = false;
    };
    std::vector<Candidate> cands;
    int64_t total = 0;
    // The vocabulary's tables start at vocab-min-bits: the embedding's
    // error reaches every token, the LM head's every logit.
    int vocabLevel = 0;
    while (vocabMinBits > 0 && vocabLevel + 1 < levels && kBits[vocabLevel] < vocabMinBits)
      ++vocabLevel;
    for (Weight &w : weights) {
      std::vector<uint16_t> half;
      if (failed(readValues(w, half))) {
        w.bits = 0; // stays fp16
        continue;
      }
      Candidate cand{&w, {}, {}, 0};
      int64_t rows = w.type.getDimSize(0), luts = rows / rowsPerLut(rows);
      // 2, 3 and 4 bits are clustered exactly. 6 and 8 bits (64 and 256
      // clusters, most of the cost) are extrapolated from 4 by the
      // high-resolution law of optimal quantizers (Panter-Dite: the error
      // falls 4x per bit); only the choice of bits uses these estimates,
      // the chosen palettization is optimal.
      // Errors relative to the weight's power: a layer normalises what it
      // gets, so a value's noise matters relative to its weight's scale.
      // (Raw squared error would hand every bit to the largest-valued
      // tensor, typically the embedding, and starve the layers.)
      double power = 0;
      for (uint16_t h : half) {
        double v = compression::halfToFloat(h);
        power += v * v;
      }
      double scale = power > 0 && std::isfinite(power) ? double(half.size()) / power : 1.0;
      for (int l = 0; l < levels; ++l) {
        cand.errors[l] = kBits[l] <= 4
                             ? scale * errorOf(module.getContext(), half, rows, kBits[l]).first
                             : cand.errors[level4] / double(1 << (2 * (kBits[l] - 4)));
        cand.storedBits[l] = double(half.size()) * kBits[l] + 16.0 * luts * (1 << kBits[l]);
      }
      total += half.size();
      cand.vocabulary = isVocabularyTable(w);
      cands.push_back(cand);
    }
    double budget = mixedBits * total, used = 0;
    // The vocabulary's floor, lowered while it alone would exceed the budget.
    for (;; --vocabLevel) {
      used = 0;
      for (Candidate &c : cands) {
        c.level = c.vocabulary ? vocabLevel : 0;
        used += c.storedBits[c.level];
      }
      if (used <= budget || vocabLevel == 0)
        break;
    }
    if (vocabMinBits > 0 && kBits[vocabLevel] < vocabMinBits &&
        llvm::any_of(cands, [](const Candidate &c) { return c.vocabulary; }))
      emitRemark(module.getLoc())
          << fmt::format("mixed palettization: the embedding and LM head get at least {} bits, "
                         "not vocab-min-bits={}: more would not fit a budget of {} bits per "
                         "weight",
                         kBits[vocabLevel], (int64_t)vocabMinBits, (double)mixedBits);
    if (used > budget && total)
      emitRemark(module.getLoc())
          << fmt::format("mixed palettization: 2 bits everywhere already take {:.2f} bits per "
                         "weight with the LUTs, over the budget of {}",
                         used / double(total), (double)mixedBits);
    while (true) {
      Candidate *best = nullptr;
      double bestGain = 0;
      for (Candidate &c : cands) {
        if (c.level == levels - 1)
          continue;
        double extra = c.storedBits[c.level + 1] - c.storedBits[c.level];
        if (used + extra > budget)
          continue;
        double gain = (c.errors[c.level] - c.errors[c.level + 1]) / extra;
        if (gain > 0 && (!best || gain > bestGain))
          best = &c, bestGain = gain;
      }
      if (!best)
        break;
      used += best->storedBits[best->level + 1] - best->storedBits[best->level];
      ++best->level;
    }
    for (Candidate &c : cands)
      c.weight->bits = kBits[c.level];
    if (report && total)
      emitRemark(module.getLoc()) << fmt::format(
          "mixed palettization: {:.2f} bits per weight on average (indices and LUTs) over {} "
          "weights",
          used / double(total), total);
    return success();
  }

  Opset opset = kDefaultOpset;

  void palettize(Weight &w, std::vector<WeightReport> &reports) {
    std::vector<uint16_t> half;
    if (w.bits == 0 || failed(readValues(w, half)))
      return;
    RankedTensorType type = w.type;
    Operation *c = w.uses.front().constant;
    int64_t rows = type.getDimSize(0), per = type.getNumElements() / rows;
    int64_t groupRows = rowsPerLut(rows);
    int64_t groups = rows / groupRows;
    int nbits = w.bits;
    if (mode == "unique") {
      // The fewest supported bits whose LUT holds every distinct value of
      // each LUT's rows: palettization without error, or none at all.
      size_t distinct = 0;
      for (int64_t g = 0; g < groups; ++g) {
        std::vector<float> v;
        for (int64_t k = g * groupRows * per; k < (g + 1) * groupRows * per; ++k)
          v.push_back(compression::halfToFloat(half[k]));
        std::sort(v.begin(), v.end());
        distinct = std::max<size_t>(distinct, std::unique(v.begin(), v.end()) - v.begin());
      }
      if (distinct > 256) {
        c->emitRemark("not palettized: ") << distinct << " distinct values, more than 8 bits hold";
        return;
      }
      nbits = 8;
      for (int b : {1, 2, 3, 4, 6, 8})
        if ((size_t(1) << b) >= distinct && (b != 3 || opset >= Opset::iOS18)) {
          nbits = b;
          break;
        }
    }
    // Per-channel scale (coremltools' enable_per_channel_scale form): each
    // output channel divided by its largest |value| before clustering, the
    // LUT's output multiplied back by constexpr_blockwise_shift_scale. A
    // LUT then fits channels of unequal range alike.
    std::vector<uint16_t> original, scales;
    if (perChannelScale) {
      original = half;
      scales.resize(rows);
      for (int64_t r = 0; r < rows; ++r) {
        float peak = 0;
        for (int64_t i = 0; i < per; ++i)
          peak = std::max(peak, std::fabs(compression::halfToFloat(half[r * per + i])));
        uint16_t s = compression::floatToHalf(peak > 0 ? peak : 1.0f);
        scales[r] = s;
        float inv = 1.0f / compression::halfToFloat(s);
        for (int64_t i = 0; i < per; ++i)
          half[r * per + i] =
              compression::floatToHalf(compression::halfToFloat(half[r * per + i]) * inv);
      }
    }
    int entries = 1 << nbits;
    std::vector<uint8_t> idx(half.size());
    std::vector<uint16_t> luts(groups * entries);
    std::vector<compression::PaletteError> errs(groups);
    std::vector<char> packed((half.size() * nbits + 7) / 8, 0);
    // Groups cluster independently, each writing its own slices; each packs
    // its indices too when its bits end on a byte boundary.
    size_t groupValues = groupRows * per;
    bool packPerGroup = (groupValues * nbits) % 8 == 0;
    parallelFor(type.getContext(), 0, groups, [&](size_t g) {
      size_t n = groupValues;
      errs[g] = compression::Palettizer::forThisThread().run(
          half.data() + g * n, n, nbits, lutMode(), idx.data() + g * n, &luts[g * entries]);
      if (packPerGroup)
        compression::packIndices(idx.data() + g * n, n, nbits,
                                 reinterpret_cast<uint8_t *>(packed.data()) + g * n * nbits / 8);
    });
    if (!packPerGroup)
      compression::packIndices(idx.data(), idx.size(), nbits,
                               reinterpret_cast<uint8_t *>(packed.data()));
    double err = 0, energy = 0, maxAbs = 0;
    if (perChannelScale) {
      // The error of what the program computes: scale × LUT entry, in fp16.
      for (int64_t r = 0; r < rows; ++r) {
        float s = compression::halfToFloat(scales[r]);
        const uint16_t *lut = &luts[(r / groupRows) * entries];
        for (int64_t i = 0; i < per; ++i) {
          double v = compression::halfToFloat(original[r * per + i]);
          double got = compression::halfToFloat(
              compression::floatToHalf(s * compression::halfToFloat(lut[idx[r * per + i]])));
          err += (v - got) * (v - got);
          energy += v * v;
          maxAbs = std::max(maxAbs, std::fabs(v - got));
        }
      }
    } else {
      for (const compression::PaletteError &e : errs)
        err += e.squaredError, energy += e.energy, maxAbs = std::max(maxAbs, e.maxAbsError);
    }
    std::vector<uint8_t>().swap(idx);
    MLIRContext *ctx = type.getContext();
    auto heap = [&](ArrayRef<char> bytes) {
      return HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes);
    };
    ArrayRef<char> lutBytes(reinterpret_cast<const char *>(luts.data()), 2 * luts.size());
    std::string base = w.name.empty() ? "palettized" : w.name;
    Builder b(ctx);
    // Before iOS18 the LUT is the iOS16 form (checked in runOnOperation).
    bool ios16 = opset < Opset::iOS18;
    ElementsAttr indicesAttr, lutAttr;
    if (ios16) {
      auto idxType = RankedTensorType::get({(int64_t)packed.size()},
                                           IntegerType::get(ctx, 8, IntegerType::Unsigned));
      indicesAttr = DenseResourceElementsAttr::get(idxType, base + ".indices", heap(packed));
      lutAttr = DenseResourceElementsAttr::get(RankedTensorType::get({entries}, b.getF16Type()),
                                               base + ".lut", heap(lutBytes));
    } else {
      auto idxType = RankedTensorType::get(type.getShape(),
                                           IntegerType::get(ctx, nbits, IntegerType::Unsigned));
      indicesAttr = DenseResourceElementsAttr::get(idxType, base + ".indices", heap(packed));
      SmallVector<int64_t> lutShape(type.getRank(), 1);
      lutShape[0] = groups;
      lutShape.append({entries, 1});
      lutAttr = DenseResourceElementsAttr::get(RankedTensorType::get(lutShape, b.getF16Type()),
                                               base + ".lut", heap(lutBytes));
    }
    // Every function using the weight gets the same attributes, so the
    // bytes exist once in memory and once in the written blob.
    ElementsAttr scaleAttr;
    if (perChannelScale) {
      SmallVector<int64_t> scaleShape(type.getRank(), 1);
      scaleShape[0] = rows;
      ArrayRef<char> scaleBytes(reinterpret_cast<const char *>(scales.data()), 2 * scales.size());
      scaleAttr = DenseResourceElementsAttr::get(
          RankedTensorType::get(scaleShape, b.getF16Type()), base + ".scale", heap(scaleBytes));
    }
    replaceEachUse(w, [&](OpBuilder &ob, Location loc) -> Value {
      Value indices = ob.create<ConstOp>(loc, indicesAttr);
      Value lut = ob.create<ConstOp>(loc, lutAttr);
      ++numPalettized;
      Value dense =
          ios16 ? ob.create<ConstexprLutToDenseOp>(loc, type, indices, lut,
                                                   ob.getDenseI64ArrayAttr(type.getShape()), nullptr)
                : ob.create<ConstexprLutToDenseOp>(loc, type, indices, lut, nullptr, nullptr);
      if (!perChannelScale)
        return dense;
      Value scale = ob.create<ConstOp>(loc, scaleAttr);
      return ob.create<ConstexprBlockwiseShiftScaleOp>(loc, type, dense, scale, nullptr);
    });
    double snr = err > 0 ? 10 * std::log10(energy / err) : INFINITY;
    int64_t bytesAfter = packed.size() + 2 * luts.size() + 2 * (int64_t)scales.size();
    if (report)
      emitRemark(c->getLoc()) << fmt::format(
          "'{}': {} bits, {} LUT{} of {} entries, {} -> {} bytes, SNR {:.1f} dB, max abs error {:.3g}",
          w.name, nbits, groups, groups == 1 ? "" : "s", entries, 2 * half.size(), bytesAfter, snr,
          maxAbs);
    reports.push_back({w.name, "palettize", groups == 1 ? "per_tensor" : "per_grouped_channel",
                       nbits, (int64_t)half.size(), groups, (int64_t)w.uses.size(),
                       2 * (int64_t)half.size(), bytesAfter, snr, maxAbs});
  }
};

} // namespace
