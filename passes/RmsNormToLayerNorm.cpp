//===- RmsNormToLayerNorm.cpp - RMSNorm as the ANE's native layer_norm ----===//
//
// rms_norm(x) = first half of layer_norm(concat([x, −x])) along a normalised
// axis: the concatenation has mean 0 and variance mean(x²). See Passes.td.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace anec {
#define GEN_PASS_DEF_RMSNORMTOLAYERNORM
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// The value of a float constant whose elements are all equal.
std::optional<double> splatValue(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// True when `v` computes x² of `x`: square(x), mul(x, x) or pow(x, 2).
bool isSquareOf(Value v, Value &x) {
  Operation *op = v.getDefiningOp();
  if (auto sq = dyn_cast_or_null<SquareOp>(op)) {
    x = sq.getX();
    return true;
  }
  if (auto mul = dyn_cast_or_null<MulOp>(op))
    if (mul.getX() == mul.getY()) {
      x = mul.getX();
      return true;
    }
  if (auto pow = dyn_cast_or_null<PowOp>(op))
    if (splatValue(pow.getY()) == 2.0) {
      x = pow.getX();
      return true;
    }
  return false;
}

/// Matches `mean(x², axes, keep_dims) + eps` (eps also from rsqrt's own
/// epsilon, passed in as `extraEps`); binds x, axes and the total epsilon.
bool matchMeanSquarePlusEps(Value v, double extraEps, Value &x,
                            SmallVectorImpl<int64_t> &axes, double &eps) {
  eps = extraEps;
  Value meanValue = v;
  if (auto add = v.getDefiningOp<AddOp>()) {
    std::optional<double> c = splatValue(add.getY());
    meanValue = add.getX();
    if (!c) {
      c = splatValue(add.getX());
      meanValue = add.getY();
    }
    if (!c)
      return false;
    eps += *c;
  }
  auto mean = meanValue.getDefiningOp<ReduceMeanOp>();
  if (!mean || !mean.getKeepDims() || !isSquareOf(mean.getX(), x))
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (auto given = mean.getAxes()) {
    for (int64_t a : *given)
      axes.push_back(a < 0 ? a + rank : a);
  } else {
    for (int64_t a = 0; a < rank; ++a)
      axes.push_back(a);
  }
  return true;
}

/// x · rsqrt(mean(x²) + eps), x · pow(mean(x²) + eps, −0.5) and
/// x / sqrt(mean(x²) + eps)  ->  rms_norm(x)
struct RaiseDecomposedRmsNorm : RewritePattern {
  RaiseDecomposedRmsNorm(MLIRContext *ctx, llvm::Statistic &count)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        count(count) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (auto mul = dyn_cast<MulOp>(op)) {
      if (tryMatch(mul.getX(), mul.getY(), rewriter, op, false) ||
          tryMatch(mul.getY(), mul.getX(), rewriter, op, false))
        return success();
      return failure();
    }
    if (auto div = dyn_cast<RealDivOp>(op))
      return success(tryMatch(div.getX(), div.getY(), rewriter, op, true));
    return failure();
  }

private:
  bool tryMatch(Value x, Value normalizer, PatternRewriter &rewriter,
                Operation *root, bool divides) const {
    Value squared;
    SmallVector<int64_t> axes;
    double eps = 0;
    Operation *n = normalizer.getDefiningOp();
    if (!n)
      return false;
    bool matched = false;
    if (!divides) {
      if (auto rsqrt = dyn_cast<RsqrtOp>(n))
        matched = matchMeanSquarePlusEps(rsqrt.getX(),
                                         rsqrt.getEpsilon().convertToDouble(),
                                         squared, axes, eps);
      else if (auto pow = dyn_cast<PowOp>(n))
        matched = splatValue(pow.getY()) == -0.5 &&
                  matchMeanSquarePlusEps(pow.getX(), 0.0, squared, axes, eps);
    } else if (auto sqrt = dyn_cast<SqrtOp>(n)) {
      matched = matchMeanSquarePlusEps(sqrt.getX(), 0.0, squared, axes, eps);
    }
    if (!matched || squared != x || root->getResult(0).getType() != x.getType())
      return false;
    llvm::sort(axes);
    auto norm = rewriter.create<RmsNormOp>(
        root->getLoc(), x, /*gamma=*/Value(), rewriter.getDenseI64ArrayAttr(axes),
        rewriter.getF32FloatAttr(static_cast<float>(eps)));
    rewriter.replaceOp(root, norm.getResult());
    ++count;
    return true;
  }

  llvm::Statistic &count;
};

/// rms_norm(x, gamma) -> mul(slice(layer_norm(concat(x, −x))), gamma)
struct LowerRmsNorm : OpRewritePattern<RmsNormOp> {
  LowerRmsNorm(MLIRContext *ctx, bool overflowSafe, llvm::Statistic &count)
      : OpRewritePattern(ctx), overflowSafe(overflowSafe), count(count) {}

  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    auto type = cast<RankedTensorType>(x.getType());
    Type element = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(a < 0 ? a + rank : a);

    if (overflowSafe) {
      // x / max|x|: the normalised result is scale-invariant but for eps.
      Value absX = rewriter.create<AbsOp>(loc, x);
      Value peak = rewriter.create<ReduceMaxOp>(
          loc, absX, rewriter.getDenseI64ArrayAttr(axes),
          rewriter.getBoolAttr(true));
      Value tiny = createScalarConstant(rewriter, loc, element, 1e-4);
      peak = rewriter.create<MaximumOp>(loc, peak, tiny);
      x = rewriter.create<RealDivOp>(loc, x, peak);
    }

    int64_t axis = axes.front();
    Value negX = rewriter.create<MulOp>(
        loc, x, createScalarConstant(rewriter, loc, element, -1.0));
    Value both = rewriter.create<ConcatOp>(loc, ValueRange{x, negX}, axis,
                                           /*interleave=*/false);
    Value normed = rewriter.create<LayerNormOp>(
        loc, both, /*gamma=*/Value(), /*beta=*/Value(),
        rewriter.getDenseI64ArrayAttr(axes),
        op.getEpsilonAttr());
    SmallVector<int64_t> begin(rank, 0);
    Value half = rewriter.create<SliceBySizeOp>(loc, normed, begin,
                                                type.getShape());
    if (Value gamma = op.getGamma())
      half = rewriter.create<MulOp>(loc, half,
                                    broadcastableGamma(rewriter, loc, gamma,
                                                       axes, rank));
    rewriter.replaceOp(op, half);
    ++count;
    return success();
  }

  /// gamma has shape x.shape[axes]; reshape it so it broadcasts against x
  /// (transposing first when the axes are not in ascending order).
  static Value broadcastableGamma(PatternRewriter &rewriter, Location loc,
                                  Value gamma, ArrayRef<int64_t> axes,
                                  int64_t rank) {
    SmallVector<int64_t> order(axes.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](int64_t a, int64_t b) { return axes[a] < axes[b]; });
    if (!llvm::is_sorted(axes))
      gamma = rewriter.create<TransposeOp>(loc, gamma, order);
    auto gammaType = cast<RankedTensorType>(gamma.getType());
    int64_t lastAxis = *llvm::max_element(axes);
    // Trailing axes broadcast as they are; otherwise add the unit axes.
    SmallVector<int64_t> shape(lastAxis + 1 - *llvm::min_element(axes), 1);
    SmallVector<int64_t> sorted(axes);
    llvm::sort(sorted);
    int64_t first = sorted.front();
    for (auto [i, a] : llvm::enumerate(sorted))
      shape[a - first] = gammaType.getDimSize(i);
    shape.append(rank - 1 - lastAxis, 1);
    if (ArrayRef<int64_t>(shape) == gammaType.getShape())
      return gamma;
    return rewriter.create<ReshapeOp>(loc, gamma, shape);
  }

  bool overflowSafe;
  llvm::Statistic &count;
};

struct RmsNormToLayerNormPass
    : anec::impl::RmsNormToLayerNormBase<RmsNormToLayerNormPass> {
  using RmsNormToLayerNormBase::RmsNormToLayerNormBase;

  void runOnOperation() override {
    // Every pattern needs an rms_norm or the root of a decomposed one; the
    // greedy driver would visit every op of a function without them.
    if (!getOperation()->walk([](Operation *op) {
          return isa<RmsNormOp, RsqrtOp, PowOp, SqrtOp>(op) ? WalkResult::interrupt()
                                                             : WalkResult::advance();
        }).wasInterrupted())
      return markAllAnalysesPreserved();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<RaiseDecomposedRmsNorm>(ctx, numRaised);
    patterns.add<LowerRmsNorm>(ctx, overflowSafe, numRewritten);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
