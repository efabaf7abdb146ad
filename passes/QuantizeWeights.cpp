//===- QuantizeWeights.cpp - INT8 weights as constexpr_affine_dequantize --===//
//
// Linear 8-bit quantization of constant weights (Core ML's
// linear_quantize_weights): each weight of at least `weight-threshold`
// elements becomes constexpr_affine_dequantize(int8 or uint8 data,
// zero_point, fp16 scale) — per tensor (the ANE's native form) or per output
// channel. `linear_symmetric`: scale = max|w| / 127, zero point 0;
// `linear`: scale = (max − min) / 255 with a zero point. Weights whose
// location matches `exclude` (a regex, e.g. the embeddings) are left alone.
// The ANE decompresses them to fp16 on the fly: half the bytes to stream.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/CompressionReport.h"
#include "anec/Progress.h"
#include "passes/WeightValues.h"
#include "lib/Compression/Palettize.h"
#include "mlir/IR/Threading.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Regex.h"
#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace anec {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// Round half to even, as nearbyint in the default mode but without its
/// library call (no SSE4.1 here): adding and subtracting 1.5 * 2^23 leaves
/// a float rounded to an integer (IEEE arithmetic; the compiler may not
/// reassociate it). Quantized values stay far below 2^22; larger ones (and
/// NaN) go through nearbyint.
inline float roundHalfEven(float v) {
  if (!(std::fabs(v) < 4194304.0f))
    return std::nearbyint(v);
  const float big = 12582912.0f;
  return (v + big) - big;
}

struct QuantizeWeightsPass : anec::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    ModuleOp fn = getOperation();
    if (mode != "linear_symmetric" && mode != "linear") {
      fn.emitError("mode must be linear_symmetric or linear, got '") << mode << "'";
      return signalPassFailure();
    }
    if (granularity != "per_tensor" && granularity != "per_channel") {
      fn.emitError("granularity must be per_tensor or per_channel, got '") << granularity << "'";
      return signalPassFailure();
    }
    if (dtype != "int8" && dtype != "uint8") {
      fn.emitError("dtype must be int8 or uint8, got '") << dtype << "'";
      return signalPassFailure();
    }
    FailureOr<llvm::Regex> parsed = parseExcludeRegex(fn, exclude);
    if (failed(parsed))
      return signalPassFailure();
    llvm::Regex &excluded = *parsed;
    // Weights: constants (or fp16 casts of constants) read by weight
    // operands; one shared by several functions is quantized once.
    std::vector<WeightReport> reports;
    std::vector<DistinctWeight> weights =
        collectDistinctWeights(fn, /*embeddings=*/false, weightThreshold, exclude, excluded);
    for (size_t i = 0; i < weights.size(); ++i) {
      quantize(weights[i], reports);
      reportProgress("quantize", i + 1, weights.size());
    }
    if (!reportFile.empty() && failed(writeCompressionReport(fn, reportFile, reports)))
      return signalPassFailure();
  }

  void quantize(DistinctWeight &weight, std::vector<WeightReport> &reports) {
    RankedTensorType type = weight.type;
    const std::string &name = weight.name;
    std::vector<float> w;
    if (!readWeightValues(weight.values(), w, /*roundToHalf=*/false, type.getContext()))
      return;
    releaseWeightPages(weight.values());
    int64_t channels = granularity == "per_channel" ? type.getDimSize(0) : 1;
    int64_t per = (int64_t)w.size() / channels;
    bool isUnsigned = dtype == "uint8";
    bool symmetric = mode == "linear_symmetric";
    std::vector<int8_t> q(w.size());
    std::vector<_Float16> scales(channels);
    std::vector<int64_t> zeros(channels, isUnsigned ? 128 : 0);
    // Work items: chunks of at most 1M values inside a channel, run on the
    // context's threads (a 1B model is 1.2 billion values).
    const int64_t chunk = 1 << 20;
    int64_t chunksPer = (per + chunk - 1) / chunk;
    struct Range {
      float lo = 0, hi = 0, peak = 0;
      double err = 0, energy = 0, maxAbs = 0;
    };
    std::vector<Range> ranges(channels * chunksPer);
    auto bounds = [&](size_t item) {
      int64_t ch = item / chunksPer, c = item % chunksPer;
      int64_t begin = ch * per + c * chunk;
      return std::make_tuple(ch, begin, std::min(begin + chunk, (ch + 1) * per));
    };
    MLIRContext *ctx = type.getContext();
    parallelFor(ctx, 0, ranges.size(), [&](size_t item) {
      auto [ch, begin, end] = bounds(item);
      Range &r = ranges[item];
      for (int64_t k = begin; k < end; ++k) {
        float v = w[k];
        r.lo = std::min(r.lo, v);
        r.hi = std::max(r.hi, v);
        r.peak = std::max(r.peak, std::fabs(v));
      }
    });
    int64_t qlo = isUnsigned ? 0 : -128, qhi = isUnsigned ? 255 : 127;
    if (symmetric)
      qlo = isUnsigned ? 1 : -127, qhi = isUnsigned ? 255 : 127;
    std::vector<float> stepOf(channels);
    for (int64_t ch = 0; ch < channels; ++ch) {
      float lo = 0, hi = 0, peak = 0;
      for (int64_t c = 0; c < chunksPer; ++c) {
        const Range &r = ranges[ch * chunksPer + c];
        lo = std::min(lo, r.lo), hi = std::max(hi, r.hi), peak = std::max(peak, r.peak);
      }
      float scale;
      int64_t zero;
      if (symmetric) {
        scale = peak > 0 ? peak / 127.0f : 1.0f;
        zero = isUnsigned ? 128 : 0;
      } else {
        scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
        int64_t qmin = isUnsigned ? 0 : -128;
        zero = qmin - (int64_t)std::nearbyint(lo / scale);
        zero = std::clamp<int64_t>(zero, isUnsigned ? 0 : -128, isUnsigned ? 255 : 127);
      }
      // The scale the program holds is fp16: quantize against that.
      float s = compression::halfToFloat(compression::floatToHalf(scale));
      if (!(s > 0))
        s = 1.0f;
      stepOf[ch] = s;
      scales[ch] = (_Float16)s;
      zeros[ch] = zero;
    }
    // Quantize, and measure what the program will compute against the fp16
    // weight.
    parallelFor(ctx, 0, ranges.size(), [&](size_t item) {
      auto [ch, begin, end] = bounds(item);
      Range &r = ranges[item];
      float s = stepOf[ch];
      int64_t zero = zeros[ch];
      // Locals, not r's fields: the int8 stores may alias anything, which
      // would make the compiler reload and store the sums every value.
      const float *in = w.data();
      int8_t *out = q.data();
      double err = 0, energy = 0, maxAbs = 0;
      for (int64_t k = begin; k < end; ++k) {
        // Division, not a reciprocal: ties round as the reference does.
        int64_t v = std::clamp((int64_t)roundHalfEven(in[k] / s) + zero, qlo, qhi);
        out[k] = (int8_t)(uint8_t)v;
        double half = compression::halfToFloat(compression::floatToHalf(in[k]));
        double d = half - double(s * float(v - zero));
        err += d * d;
        energy += half * half;
        maxAbs = std::max(maxAbs, std::fabs(d));
      }
      r.err = err, r.energy = energy, r.maxAbs = maxAbs;
    });
    double err = 0, energy = 0, maxAbs = 0;
    for (const Range &r : ranges)
      err += r.err, energy += r.energy, maxAbs = std::max(maxAbs, r.maxAbs);
    Builder b(ctx);
    Type qType = isUnsigned ? Type(IntegerType::get(ctx, 8, IntegerType::Unsigned))
                            : Type(IntegerType::get(ctx, 8));
    auto dataType = RankedTensorType::get(type.getShape(), qType);
    auto data = DenseResourceElementsAttr::get(
        dataType, name.empty() ? "quantized" : name + ".int8",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(
            ArrayRef<char>(reinterpret_cast<const char *>(q.data()), q.size())));
    SmallVector<int64_t> paramShape;
    if (channels > 1)
      paramShape.push_back(channels);
    auto scaleType = RankedTensorType::get(paramShape, b.getF16Type());
    SmallVector<APFloat> scaleValues;
    for (_Float16 s : scales)
      scaleValues.push_back(APFloat(APFloat::IEEEhalf(), APInt(16, llvm::bit_cast<uint16_t>(s))));
    auto zeroType = RankedTensorType::get(paramShape, qType);
    SmallVector<APInt> zeroValues;
    for (int64_t z : zeros)
      zeroValues.push_back(APInt(8, (uint64_t)z, !isUnsigned));
    auto zeroAttr = DenseElementsAttr::get(zeroType, zeroValues);
    auto scaleAttr = DenseElementsAttr::get(scaleType, scaleValues);
    // Every function using the weight gets the same attributes.
    replaceEachUse(weight, [&](OpBuilder &ob, Location loc) -> Value {
      Value qv = ob.create<ConstOp>(loc, data);
      Value zv = ob.create<ConstOp>(loc, zeroAttr);
      Value sv = ob.create<ConstOp>(loc, scaleAttr);
      ++numQuantized;
      return ob.create<ConstexprAffineDequantizeOp>(loc, qv, zv, sv, 0);
    });
    numBytesSaved += type.getNumElements() - 2 * channels - channels;
    double snr = err > 0 ? 10 * std::log10(energy / err) : INFINITY;
    int64_t bytesAfter = type.getNumElements() + 3 * channels; // data, fp16 scales, zero points
    if (report)
      emitRemark(weight.uses.front().constant->getLoc()) << fmt::format(
          "'{}': {} {}, {} -> {} bytes, SNR {:.1f} dB, max abs error {:.3g}", name, dtype.getValue(),
          granularity.getValue(), 2 * type.getNumElements(), bytesAfter, snr, maxAbs);
    reports.push_back({name, "quantize", granularity, 8, type.getNumElements(), channels,
                       (int64_t)weight.uses.size(), 2 * type.getNumElements(), bytesAfter, snr,
                       maxAbs});
  }
};

} // namespace
