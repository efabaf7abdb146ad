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

  /// The weight's values as stored: 16-bit patterns (bf16 or fp16) read in
  /// place from the mapped checkpoint, or floats for anything else.
  struct Source {
    const char *data = nullptr;
    bool bf16 = false, f16 = false;
    std::vector<float> floats;
    bool sixteenBits() const { return bf16 || f16; }
    uint16_t bits(int64_t k) const {
      uint16_t v;
      std::memcpy(&v, data + 2 * k, 2);
      return v;
    }
    float fromBits(uint16_t v) const {
      return bf16 ? anec::bf16ToFloat(v) : compression::halfToFloat(v);
    }
    float at(int64_t k) const { return sixteenBits() ? fromBits(bits(k)) : floats[k]; }
  };

  bool readSource(ElementsAttr attr, int64_t n, Source &src, MLIRContext *ctx) {
    Type e = cast<ShapedType>(attr.getType()).getElementType();
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
      if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
        if ((e.isBF16() || e.isF16()) && (int64_t)blob->getData().size() >= 2 * n) {
          src.data = blob->getData().data();
          src.bf16 = e.isBF16();
          src.f16 = e.isF16();
          return true;
        }
    return readWeightValues(attr, src.floats, /*roundToHalf=*/false, ctx);
  }

  struct Stats {
    float lo = 0, hi = 0, peak = 0;
    double err = 0, energy = 0, maxAbs = 0;
    void range(float v) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      peak = std::max(peak, std::fabs(v));
    }
  };

  /// The step and zero point for a channel's range; the step is what the
  /// program holds (fp16).
  std::pair<float, int64_t> parameters(const Stats &st, bool isUnsigned, bool symmetric) {
    float scale;
    int64_t zero;
    if (symmetric) {
      scale = st.peak > 0 ? st.peak / 127.0f : 1.0f;
      zero = isUnsigned ? 128 : 0;
    } else {
      scale = st.hi > st.lo ? (st.hi - st.lo) / 255.0f : 1.0f;
      int64_t qmin = isUnsigned ? 0 : -128;
      zero = qmin - (int64_t)std::nearbyint(st.lo / scale);
      zero = std::clamp<int64_t>(zero, isUnsigned ? 0 : -128, isUnsigned ? 255 : 127);
    }
    float step = compression::halfToFloat(compression::floatToHalf(scale));
    if (!(step > 0))
      step = 1.0f;
    return {step, zero};
  }

  void quantize(DistinctWeight &weight, std::vector<WeightReport> &reports) {
    RankedTensorType type = weight.type;
    const std::string &name = weight.name;
    MLIRContext *ctx = type.getContext();
    int64_t n = type.getNumElements();
    Source src;
    if (!readSource(weight.values(), n, src, ctx))
      return;
    int64_t channels = granularity == "per_channel" ? type.getDimSize(0) : 1;
    int64_t per = n / channels;
    bool isUnsigned = dtype == "uint8";
    bool symmetric = mode == "linear_symmetric";
    int64_t qlo = isUnsigned ? 0 : -128, qhi = isUnsigned ? 255 : 127;
    if (symmetric)
      qlo = isUnsigned ? 1 : -127, qhi = isUnsigned ? 255 : 127;
    // The int8 data is written straight into the blob the program keeps.
    AsmResourceBlob qBlob = HeapAsmResourceBlob::allocate(n, alignof(int64_t));
    int8_t *out = reinterpret_cast<int8_t *>(qBlob.getMutableData().data());
    std::vector<_Float16> scales(channels);
    std::vector<int64_t> zeros(channels);
    // Quantized value of v, and the squared error of what the program
    // computes against the fp16 weight. Division, not a reciprocal: ties
    // round as the reference does.
    // Far-out values (the code table covers every pattern, Inf and NaN
    // included) are clamped before the integer conversion; NaN goes low.
    auto code = [&](float v, float step, int64_t zero) {
      float r = roundHalfEven(v / step);
      r = r > -1e6f ? std::min(r, 1e6f) : -1e6f;
      return std::clamp((int64_t)r + zero, qlo, qhi);
    };
    Stats total;
    if (channels == 1 && src.sixteenBits()) {
      // Per tensor from 16-bit patterns: count each pattern once (a 65536-
      // entry histogram), derive range, codes and error per pattern, then
      // map every value through the code table. Two streaming passes over
      // the mapped weight, no per-value arithmetic.
      // A few chunks per thread: each has its own histograms to clear.
      int64_t items = std::clamp<int64_t>(n >> 22, 1, 2 * (int64_t)ctx->getNumThreads());
      const int64_t chunk = (n + items - 1) / items;
      // Four interleaved histograms per chunk: neighbouring values are
      // often equal, and one table would make each increment wait for the
      // last.
      std::vector<std::vector<uint32_t>> hists(items);
      parallelFor(ctx, 0, items, [&](size_t c) {
        std::vector<uint32_t> &h = hists[c];
        h.assign(4 * 65536, 0);
        uint32_t *h0 = h.data(), *h1 = h0 + 65536, *h2 = h1 + 65536, *h3 = h2 + 65536;
        int64_t begin = (int64_t)c * chunk, end = std::min<int64_t>(n, begin + chunk);
        const char *p = src.data;
        int64_t k = begin;
        for (; k + 4 <= end; k += 4) {
          uint16_t v[4];
          std::memcpy(v, p + 2 * k, 8);
          ++h0[v[0]], ++h1[v[1]], ++h2[v[2]], ++h3[v[3]];
        }
        for (; k < end; ++k)
          ++h0[src.bits(k)];
      });
      std::vector<uint64_t> count(65536, 0);
      for (const std::vector<uint32_t> &h : hists)
        for (size_t i = 0; i < 4 * 65536; ++i)
          count[i & 65535] += h[i];
      hists.clear();
      for (size_t i = 0; i < 65536; ++i)
        if (count[i])
          total.range(src.fromBits((uint16_t)i));
      auto [step, zero] = parameters(total, isUnsigned, symmetric);
      scales[0] = (_Float16)step;
      zeros[0] = zero;
      std::vector<int8_t> table(65536);
      for (size_t i = 0; i < 65536; ++i) {
        float v = src.fromBits((uint16_t)i);
        int64_t q = code(v, step, zero);
        table[i] = (int8_t)(uint8_t)q;
        if (!count[i])
          continue;
        double half = compression::halfToFloat(compression::floatToHalf(v));
        double d = half - double(step * float(q - zero));
        total.err += double(count[i]) * d * d;
        total.energy += double(count[i]) * half * half;
        total.maxAbs = std::max(total.maxAbs, std::fabs(d));
      }
      parallelFor(ctx, 0, items, [&](size_t c) {
        int64_t end = std::min<int64_t>(n, (int64_t)(c + 1) * chunk);
        const uint16_t *p = reinterpret_cast<const uint16_t *>(src.data);
        for (int64_t k = (int64_t)c * chunk; k < end; ++k) {
          uint16_t v;
          std::memcpy(&v, p + k, 2);
          out[k] = table[v];
        }
      });
    } else {
      // Per channel (or from floats): range, then codes, per channel, the
      // channels in parallel.
      std::vector<Stats> stats(channels);
      parallelFor(ctx, 0, channels, [&](size_t ch) {
        Stats &st = stats[ch];
        int64_t begin = (int64_t)ch * per, end = begin + per;
        for (int64_t k = begin; k < end; ++k)
          st.range(src.at(k));
        auto [step, zero] = parameters(st, isUnsigned, symmetric);
        scales[ch] = (_Float16)step;
        zeros[ch] = zero;
        // Locals, not st's fields: the int8 stores may alias anything.
        double err = 0, energy = 0, maxAbs = 0;
        for (int64_t k = begin; k < end; ++k) {
          float v = src.at(k);
          int64_t q = code(v, step, zero);
          out[k] = (int8_t)(uint8_t)q;
          double half = compression::halfToFloat(compression::floatToHalf(v));
          double d = half - double(step * float(q - zero));
          err += d * d;
          energy += half * half;
          maxAbs = std::max(maxAbs, std::fabs(d));
        }
        st.err = err, st.energy = energy, st.maxAbs = maxAbs;
      });
      for (const Stats &st : stats) {
        total.err += st.err, total.energy += st.energy;
        total.maxAbs = std::max(total.maxAbs, st.maxAbs);
      }
    }
    if (src.sixteenBits())
      releaseWeightPages(weight.values());
    double err = total.err, energy = total.energy, maxAbs = total.maxAbs;
    Builder b(ctx);
    Type qType = isUnsigned ? Type(IntegerType::get(ctx, 8, IntegerType::Unsigned))
                            : Type(IntegerType::get(ctx, 8));
    auto dataType = RankedTensorType::get(type.getShape(), qType);
    auto data = DenseResourceElementsAttr::get(
        dataType, name.empty() ? "quantized" : name + ".int8", std::move(qBlob));
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
