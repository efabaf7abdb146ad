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
#include "passes/WeightValues.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Regex.h"

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
    func::FuncOp fn = getOperation();
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
    // Weights: constants (or fp16 casts of constants) read by weight operands.
    SmallVector<Value> weights = collectWeights(fn, /*embeddings=*/false);
    for (Value w : weights)
      quantize(w, excluded);
  }

  void quantize(Value weight, llvm::Regex &excluded) {
    Operation *def = weight.getDefiningOp();
    if (auto cast = dyn_cast_or_null<CastOp>(def))
      def = cast.getX().getDefiningOp();
    auto c = dyn_cast_or_null<ConstOp>(def);
    auto type = cast<RankedTensorType>(weight.getType());
    if (!c || type.getNumElements() < (int64_t)weightThreshold ||
        !type.getElementType().isF16())
      return;
    std::string name;
    if (auto n = dyn_cast<NameLoc>(c.getLoc()))
      name = n.getName().str();
    if (!exclude.empty() && excluded.match(name))
      return;
    std::vector<float> w;
    if (!readWeightValues(c.getVal(), w, /*roundToHalf=*/false))
      return;
    int64_t channels = granularity == "per_channel" ? type.getDimSize(0) : 1;
    int64_t per = (int64_t)w.size() / channels;
    bool isUnsigned = dtype == "uint8";
    bool symmetric = mode == "linear_symmetric";
    std::vector<int8_t> q(w.size());
    std::vector<_Float16> scales(channels);
    std::vector<int64_t> zeros(channels, isUnsigned ? 128 : 0);
    for (int64_t ch = 0; ch < channels; ++ch) {
      float lo = 0, hi = 0, peak = 0;
      for (int64_t k = 0; k < per; ++k) {
        float v = w[ch * per + k];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        peak = std::max(peak, std::fabs(v));
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
      _Float16 s16 = (_Float16)scale;
      float s = (float)s16 > 0 ? (float)s16 : 1.0f;
      scales[ch] = (_Float16)s;
      zeros[ch] = zero;
      int64_t qlo = isUnsigned ? 0 : -128, qhi = isUnsigned ? 255 : 127;
      if (symmetric)
        qlo = isUnsigned ? 1 : -127, qhi = isUnsigned ? 255 : 127;
      for (int64_t k = 0; k < per; ++k) {
        int64_t v = (int64_t)std::nearbyint(w[ch * per + k] / s) + zero;
        q[ch * per + k] = (int8_t)(uint8_t)std::clamp(v, qlo, qhi);
      }
    }
    OpBuilder b(weight.getContext());
    b.setInsertionPointAfterValue(weight);
    Location loc = c.getLoc();
    MLIRContext *ctx = weight.getContext();
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
    Value qv = b.create<ConstOp>(loc, data);
    Value zv = b.create<ConstOp>(loc, DenseElementsAttr::get(zeroType, zeroValues));
    Value sv = b.create<ConstOp>(loc, DenseElementsAttr::get(scaleType, scaleValues));
    Value deq = b.create<ConstexprAffineDequantizeOp>(loc, qv, zv, sv, 0);
    weight.replaceAllUsesExcept(deq, deq.getDefiningOp());
    ++numQuantized;
    numBytesSaved += type.getNumElements();
  }
};

} // namespace
