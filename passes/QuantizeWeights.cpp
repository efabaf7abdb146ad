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
#include "lib/Compression/Int8.h"
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
        collectDistinctWeights(fn, /*embeddings=*/true, weightThreshold, exclude, excluded);
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

  /// The step and zero point for a channel's range; the step is what the
  /// program holds (fp16).
  std::pair<float, int64_t> parameters(const compression::Int8Range &st, bool isUnsigned,
                                       bool symmetric) {
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
    compression::Int8Range range;
    compression::Int8Error total;
    // Per tensor from 16-bit patterns, in place: the range, then the codes
    // and their error, each in parallel chunks (lib/Compression/Int8.cpp,
    // eight values at a time where the CPU has AVX2 and F16C).
    compression::Half16 kind = src.bf16 ? compression::Half16::BF16 : compression::Half16::F16;
    int64_t items = std::clamp<int64_t>(n >> 22, 1, 2 * (int64_t)ctx->getNumThreads());
    const int64_t chunk = (n + items - 1) / items;
    auto chunkOf = [&](size_t c) {
      int64_t begin = (int64_t)c * chunk;
      return std::make_pair(begin, std::max<int64_t>(0, std::min(n, begin + chunk) - begin));
    };
    bool fast = channels == 1 && src.sixteenBits();
    if (fast) {
      std::vector<compression::Int8Range> ranges(items);
      parallelFor(ctx, 0, items, [&](size_t c) {
        auto [begin, count] = chunkOf(c);
        ranges[c] = compression::int8Range(src.data + 2 * begin, kind, count);
      });
      for (const compression::Int8Range &r : ranges) {
        range.lo = std::min(range.lo, r.lo), range.hi = std::max(range.hi, r.hi);
        range.peak = std::max(range.peak, r.peak);
        fast &= !r.hasNaN; // NaN weights take the value-by-value path
      }
    }
    if (fast) {
      auto [step, zero] = parameters(range, isUnsigned, symmetric);
      scales[0] = (_Float16)step;
      zeros[0] = zero;
      compression::Int8Code c{step, zero, qlo, qhi};
      std::vector<compression::Int8Error> errors(items);
      parallelFor(ctx, 0, items, [&](size_t i) {
        auto [begin, count] = chunkOf(i);
        compression::int8Quantize(src.data + 2 * begin, kind, count, c, out + begin, errors[i]);
      });
      for (const compression::Int8Error &e : errors) {
        total.squared += e.squared, total.energy += e.energy;
        total.maxAbs = std::max(total.maxAbs, e.maxAbs);
      }
    } else {
      // Per channel (each a run of the weight), or from floats, or with NaN:
      // range then codes per channel, the channels in parallel.
      std::vector<compression::Int8Error> errors(channels);
      parallelFor(ctx, 0, channels, [&](size_t ch) {
        int64_t begin = (int64_t)ch * per;
        const char *run = src.sixteenBits() ? src.data + 2 * begin : nullptr;
        compression::Int8Range r = run ? compression::int8Range(run, kind, per)
                                       : compression::int8RangeOfFloats(&src.floats[begin], per);
        auto [step, zero] = parameters(r, isUnsigned, symmetric);
        scales[ch] = (_Float16)step;
        zeros[ch] = zero;
        compression::Int8Code c{step, zero, qlo, qhi};
        if (!run)
          compression::int8QuantizeFloats(&src.floats[begin], per, c, out + begin, errors[ch]);
        else if (r.hasNaN)
          compression::int8QuantizeScalar(run, kind, per, c, out + begin, errors[ch]);
        else
          compression::int8Quantize(run, kind, per, c, out + begin, errors[ch]);
      });
      for (const compression::Int8Error &e : errors) {
        total.squared += e.squared, total.energy += e.energy;
        total.maxAbs = std::max(total.maxAbs, e.maxAbs);
      }
    }
    if (src.sixteenBits())
      releaseWeightPages(weight.values());
    double err = total.squared, energy = total.energy, maxAbs = total.maxAbs;
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
