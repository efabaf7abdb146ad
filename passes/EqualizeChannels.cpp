//===- EqualizeChannels.cpp - fold weight column scales into the norm -----===//
//
// Per-tensor INT8 spends its 255 levels on the largest weight of a tensor.
// Trained weights have outlier input channels (a few columns far larger
// than the rest), so most columns get a handful of levels. Where the input
// of 1x1 convs is a norm's output scaled per channel (mul by a constant
// gamma), the scale of each input channel can move from the weights into
// gamma exactly:  W · (gamma ∘ x) = (W · diag(1/s)) · ((gamma ∘ s) ∘ x).
// This pass picks s_c = m_c / geomean(m), m_c being the largest |W[:, c]|
// over every conv reading that mul (q, k and v share one norm), clamped to
// [1/max-scale, max-scale]: the columns' largest values become equal, and a
// per-tensor scale fits all of them. Data-free and exact up to fp16
// rounding of the new weights and gamma; run before compression.
// Weights also read elsewhere (a tied LM head is the embedding table's
// gather too) are left alone, as is a gamma used by anything else.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"
#include "lib/Support/Half.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace anec {
#define GEN_PASS_DEF_EQUALIZECHANNELS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// An fp16 resource attribute of `type` holding `values` (rounded to fp16).
ElementsAttr halfAttr(RankedTensorType type, llvm::ArrayRef<float> values, llvm::StringRef key) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(2 * values.size(), alignof(uint64_t));
  auto *out = reinterpret_cast<uint16_t *>(blob.getMutableData().data());
  for (size_t i = 0; i < values.size(); ++i)
    out[i] = floatToHalf(values[i]);
  auto f16 = RankedTensorType::get(type.getShape(), Float16Type::get(type.getContext()));
  return DenseResourceElementsAttr::get(f16, key, std::move(blob));
}

/// The bytes behind a resource attribute (null for others).
const void *blobOf(ElementsAttr attr) {
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
      return blob->getData().data();
  return nullptr;
}

/// Whether `attr` (or the bytes behind it) is in `set`.
bool isReadElsewhere(const llvm::DenseSet<const void *> &set, ElementsAttr attr) {
  return set.contains(attr.getAsOpaquePointer()) || set.contains(blobOf(attr));
}

std::string keyOf(ElementsAttr attr, llvm::StringRef fallback) {
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    return res.getRawHandle().getKey().str();
  return fallback.str();
}

struct EqualizeChannelsPass : anec::impl::EqualizeChannelsBase<EqualizeChannelsPass> {
  using EqualizeChannelsBase::EqualizeChannelsBase;

  // New attributes by old one: the functions share their weights and
  // gammas, and must keep sharing them.
  llvm::DenseMap<std::pair<const void *, const void *>, ElementsAttr> rewritten;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(maxScale >= 1) || !std::isfinite((double)maxScale)) {
      module.emitError(llvm::formatv("max-scale must be a finite number of at least 1, got {0}",
                                     (double)maxScale)
                           .str());
      return signalPassFailure();
    }
    // Weights read by anything but a conv's weight operand stay as they are,
    // by attribute and by bytes: a tied LM head [V, C, 1, 1] and the
    // embedding's table [V, C] are two attributes over one blob.
    llvm::DenseSet<const void *> readElsewhere;
    module.walk([&](ConstOp c) {
      for (OpOperand &use : c->getUses()) {
        auto conv = dyn_cast<ConvOp>(use.getOwner());
        if (!conv || use.getOperandNumber() != 1) {
          readElsewhere.insert(c.getVal().getAsOpaquePointer());
          readElsewhere.insert(blobOf(c.getVal()));
        }
      }
    });
    readElsewhere.erase(nullptr);
    SmallVector<MulOp> muls;
    module.walk([&](MulOp m) { muls.push_back(m); });
    for (MulOp mul : muls)
      equalize(mul, readElsewhere);
  }

  /// The gamma constant of `mul` (x * reshape(const) or x * const) and the
  /// channel count, when it scales axis 1 of a (1, C, 1, S) value.
  ConstOp gammaOf(MulOp mul, int64_t &channels) {
    auto out = cast<RankedTensorType>(mul.getType());
    if (out.getRank() != 4)
      return {};
    channels = out.getDimSize(1);
    Value y = mul.getY();
    if (auto r = y.getDefiningOp<ReshapeOp>())
      y = r.getX();
    auto c = y.getDefiningOp<ConstOp>();
    if (!c || c.getType().getNumElements() != channels || !c->hasOneUse() ||
        !c.getType().getElementType().isF16())
      return {};
    auto yType = cast<RankedTensorType>(mul.getY().getType());
    if (yType.getNumElements() != channels ||
        (yType.getRank() == 4 && yType.getDimSize(1) != channels))
      return {};
    return c;
  }

  /// The 1x1 conv producing one factor of `mul` (the up projection of a
  /// gated MLP: silu(gate) * up), whose output rows can carry the scales:
  /// its weight (and bias) read by it alone, its result by `mul` alone.
  ConvOp producerOf(MulOp mul, int64_t &channels,
                    const llvm::DenseSet<const void *> &readElsewhere) {
    auto out = cast<RankedTensorType>(mul.getType());
    if (out.getRank() != 4 || mul.getX().getType() != mul.getY().getType())
      return {};
    channels = out.getDimSize(1);
    for (Value factor : {mul.getY(), mul.getX()}) {
      auto conv = factor.getDefiningOp<ConvOp>();
      if (!conv || !conv->hasOneUse() || conv.getGroups() != 1 || mul.getX() == mul.getY())
        continue;
      auto w = conv.getWeight().getDefiningOp<ConstOp>();
      auto wt = w ? dyn_cast<RankedTensorType>(w.getType()) : RankedTensorType();
      if (!w || !wt || wt.getRank() != 4 || wt.getDimSize(0) != channels ||
          !wt.getElementType().isF16() || isReadElsewhere(readElsewhere, w.getVal()))
        continue;
      if (Value bias = conv.getBias()) {
        auto b = bias.getDefiningOp<ConstOp>();
        if (!b || !b->hasOneUse() || !b.getType().getElementType().isF16())
          continue;
      }
      return conv;
    }
    return {};
  }

  void equalize(MulOp mul, const llvm::DenseSet<const void *> &readElsewhere) {
    int64_t channels = 0;
    // What carries the scales: the norm's gamma, or the rows of the conv
    // producing one factor of the product.
    ConstOp gamma = gammaOf(mul, channels);
    ConvOp producer = gamma ? ConvOp() : producerOf(mul, channels, readElsewhere);
    if ((!gamma && !producer) || mul->use_empty())
      return;
    // Every user: a 1x1 conv (one group) reading `mul` as its input, its
    // weight a constant read nowhere else.
    SmallVector<ConvOp> convs;
    for (Operation *user : mul->getUsers()) {
      auto conv = dyn_cast<ConvOp>(user);
      if (!conv || conv.getX() != mul.getResult() || conv.getGroups() != 1)
        return;
      auto w = conv.getWeight().getDefiningOp<ConstOp>();
      auto wt = w ? dyn_cast<RankedTensorType>(w.getType()) : RankedTensorType();
      if (!w || !wt || wt.getRank() != 4 || wt.getDimSize(1) != channels ||
          wt.getDimSize(2) != 1 || wt.getDimSize(3) != 1 || !wt.getElementType().isF16() ||
          isReadElsewhere(readElsewhere, w.getVal()))
        return;
      convs.push_back(conv);
    }
    // The largest |W[:, c]| over every conv.
    std::vector<std::vector<float>> weights(convs.size());
    std::vector<double> peak(channels, 0.0);
    for (size_t k = 0; k < convs.size(); ++k) {
      auto w = convs[k].getWeight().getDefiningOp<ConstOp>();
      if (!readWeightValues(w.getVal(), weights[k], /*roundToHalf=*/false))
        return;
      int64_t rows = (int64_t)weights[k].size() / channels;
      for (int64_t o = 0; o < rows; ++o)
        for (int64_t c = 0; c < channels; ++c)
          peak[c] = std::max(peak[c], (double)std::fabs(weights[k][o * channels + c]));
    }
    // The carrier's values: gamma, or the producer's weight rows (and bias).
    std::vector<float> g, rowsOf, biasOf;
    if (gamma) {
      if (!readWeightValues(gamma.getVal(), g, /*roundToHalf=*/false) ||
          (int64_t)g.size() != channels)
        return;
    } else {
      if (!readWeightValues(producer.getWeight().getDefiningOp<ConstOp>().getVal(), rowsOf,
                            /*roundToHalf=*/false))
        return;
      if (Value bias = producer.getBias())
        if (!readWeightValues(bias.getDefiningOp<ConstOp>().getVal(), biasOf,
                              /*roundToHalf=*/false))
          return;
      // The largest value each row would reach, as gamma's would.
      int64_t per = (int64_t)rowsOf.size() / channels;
      g.assign(channels, 0.0f);
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < per; ++i)
          g[c] = std::max(g[c], std::fabs(rowsOf[c * per + i]));
    }
    double logSum = 0;
    int64_t nonzero = 0;
    for (double p : peak)
      if (p > 0)
        logSum += std::log(p), ++nonzero;
    if (!nonzero)
      return;
    double mean = std::exp(logSum / double(nonzero));
    std::vector<float> s(channels, 1.0f);
    bool changes = false;
    for (int64_t c = 0; c < channels; ++c) {
      // A gamma is not quantized: the columns take the whole range. A
      // producer's rows are, so the two share it (cross-layer
      // equalization: both become sqrt(m_c r_c)).
      double want = gamma ? peak[c] / mean : g[c] > 0 ? std::sqrt(peak[c] / g[c]) : 1.0;
      if (peak[c] > 0)
        s[c] = (float)std::clamp(want, 1.0 / maxScale, (double)maxScale);
      // gamma * s must stay a normal fp16 number.
      if (!std::isfinite(g[c] * s[c]) || std::fabs(g[c] * s[c]) > 60000.0f)
        s[c] = 1.0f;
      changes |= s[c] != 1.0f;
    }
    if (!changes)
      return;
    // The carrier times s; each weight's columns divided by s.
    auto firstWeight = convs.front().getWeight().getDefiningOp<ConstOp>().getVal();
    auto scaleConst = [&](ConstOp c, std::vector<float> values, int64_t per) {
      for (int64_t ch = 0; ch < channels; ++ch)
        for (int64_t i = 0; i < per; ++i)
          values[ch * per + i] *= s[ch];
      ElementsAttr old = c.getVal();
      c.setValAttr(cached(old, firstWeight, [&] {
        return halfAttr(cast<RankedTensorType>(c.getType()), values,
                        keyOf(old, "carrier") + ".equalized");
      }));
      return old;
    };
    ElementsAttr oldGamma;
    if (gamma) {
      oldGamma = scaleConst(gamma, g, 1);
    } else {
      oldGamma = scaleConst(producer.getWeight().getDefiningOp<ConstOp>(), rowsOf,
                            (int64_t)rowsOf.size() / channels);
      if (Value bias = producer.getBias())
        scaleConst(bias.getDefiningOp<ConstOp>(), biasOf, 1);
    }
    for (size_t k = 0; k < convs.size(); ++k) {
      auto w = convs[k].getWeight().getDefiningOp<ConstOp>();
      auto wType = cast<RankedTensorType>(w.getType());
      ElementsAttr newW = cached(w.getVal(), oldGamma, [&] {
        std::vector<float> &v = weights[k];
        int64_t rows = (int64_t)v.size() / channels;
        for (int64_t o = 0; o < rows; ++o)
          for (int64_t c = 0; c < channels; ++c)
            v[o * channels + c] /= s[c];
        return halfAttr(wType, v, keyOf(w.getVal(), "weight") + ".equalized");
      });
      w.setValAttr(newW);
      ++numEqualized;
    }
    ++numNorms;
  }

  /// The rewritten `old`, made once for each (old, partner) pair: prefill
  /// and decode see the same weights under the same gamma.
  ElementsAttr cached(ElementsAttr old, ElementsAttr partner,
                      llvm::function_ref<ElementsAttr()> make) {
    auto key = std::make_pair(old.getAsOpaquePointer(), partner.getAsOpaquePointer());
    auto it = rewritten.find(key);
    if (it != rewritten.end())
      return it->second;
    ElementsAttr made = make();
    rewritten[key] = made;
    return made;
  }
};

} // namespace
