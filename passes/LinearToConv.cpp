//===- LinearToConv.cpp - linear layers as 1x1 convs over (B, C, 1, S) ----===//
//
// The ANE's preferred layout is channels-first 4-D (B, C, 1, S), where a
// linear layer is a 1x1 conv with weight [out, in, 1, 1] (ane-constraints.md).
// Each linear over x [..., C] becomes
//   reshape x to [1, 1, N, C] -> transpose to [1, C, 1, N] -> conv
//   -> transpose back to [1, 1, N, out] -> reshape to [..., out]
// with the weight reshaped in place (same data). The layout changes are then
// sunk through element-wise ops, so that between two convs joined by
// element-wise ops (SwiGLU) the transposes meet and cancel.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace anec {
#define GEN_PASS_DEF_LINEARTOCONV
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// `weight` [out, in] as [out, in, 1, 1]: constants re-typed over the same
/// data, anything else through a reshape.
Value weightAs4D(PatternRewriter &b, Location loc, Value weight) {
  auto t = cast<RankedTensorType>(weight.getType());
  SmallVector<int64_t> shape = {t.getDimSize(0), t.getDimSize(1), 1, 1};
  Operation *def = weight.getDefiningOp();
  CastOp cast = dyn_cast_or_null<CastOp>(def);
  if (cast)
    def = cast.getX().getDefiningOp();
  if (auto c = dyn_cast_or_null<ConstOp>(def)) {
    auto type = RankedTensorType::get(shape, c.getType().getElementType());
    ElementsAttr attr;
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal()))
      attr = DenseResourceElementsAttr::get(type, res.getRawHandle());
    else if (auto dense = dyn_cast<DenseElementsAttr>(c.getVal()))
      attr = dense.reshape(type);
    if (attr) {
      Value v = b.create<ConstOp>(c.getLoc(), attr);
      if (cast)
        v = b.create<CastOp>(cast.getLoc(), v, cast.getDtypeAttr());
      return v;
    }
  }
  return b.create<ReshapeOp>(loc, weight, shape);
}

// linear(x, W, b) -> reshape(transpose(conv(transpose(reshape(x)), W4, b)))
struct LinearAsConv : OpRewritePattern<LinearOp> {
  LinearAsConv(MLIRContext *ctx, llvm::Statistic &count) : OpRewritePattern(ctx), count(count) {}
  LogicalResult matchAndRewrite(LinearOp op, PatternRewriter &b) const override {
    auto xt = op.getX().getType();
    if (xt.getRank() < 2)
      return b.notifyMatchFailure(op, "a vector input stays a linear");
    Location loc = op.getLoc();
    int64_t cin = xt.getShape().back(), n = xt.getNumElements() / cin;
    int64_t cout = op.getWeight().getType().getDimSize(0);
    Value x = b.create<ReshapeOp>(loc, op.getX(), ArrayRef<int64_t>{1, 1, n, cin});
    x = b.create<TransposeOp>(loc, x, ArrayRef<int64_t>{0, 3, 1, 2});
    Value y = b.create<ConvOp>(loc, x, weightAs4D(b, loc, op.getWeight()), op.getBias(),
                               /*strides=*/nullptr, b.getStringAttr("valid"), /*pad=*/nullptr,
                               /*dilations=*/nullptr, b.getI64IntegerAttr(1));
    y = b.create<TransposeOp>(loc, y, ArrayRef<int64_t>{0, 2, 3, 1});
    SmallVector<int64_t> shape(xt.getShape());
    shape.back() = cout;
    b.replaceOpWithNewOp<ReshapeOp>(op, y, shape);
    ++count;
    return success();
  }
  llvm::Statistic &count;
};

bool isElementwiseUnary(Operation *op) {
  return isa<SqrtOp, ExpOp, SquareOp, TanhOp, ErfOp, SigmoidOp, SiluOp, ReluOp, AbsOp, SinOp,
             CosOp, RsqrtOp, GeluOp>(op);
}
bool isElementwiseBinary(Operation *op) {
  return isa<AddOp, SubOp, MulOp, RealDivOp, PowOp, MaximumOp, MinimumOp>(op);
}

/// A reshape or transpose, the layout changes that sink.
bool isLayout(Operation *op) { return op && isa<ReshapeOp, TransposeOp>(op); }

/// The same layout change applied to `x`.
Value reapply(PatternRewriter &b, Operation *layout, Value x) {
  if (auto r = dyn_cast<ReshapeOp>(layout))
    return b.create<ReshapeOp>(layout->getLoc(), x, r.getShape());
  auto t = cast<TransposeOp>(layout);
  return b.create<TransposeOp>(layout->getLoc(), x, t.getPerm());
}

bool sameLayout(Operation *a, Operation *b) {
  if (auto ra = dyn_cast<ReshapeOp>(a))
    if (auto rb = dyn_cast<ReshapeOp>(b))
      return ra.getShape() == rb.getShape();
  if (auto ta = dyn_cast<TransposeOp>(a))
    if (auto tb = dyn_cast<TransposeOp>(b))
      return ta.getPerm() == tb.getPerm();
  return false;
}

/// A scalar-like operand (one element) that broadcasts the same either way.
bool isScalarLike(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements() == 1 &&
         cast<RankedTensorType>(v.getType()).getRank() == 0;
}

// unary(L(x)) -> L(unary(x))
struct SinkThroughUnary : RewritePattern {
  SinkThroughUnary(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &b) const override {
    if (!isElementwiseUnary(op))
      return failure();
    Operation *layout = op->getOperand(0).getDefiningOp();
    if (!isLayout(layout) || !layout->hasOneUse())
      return failure();
    Value inner = layout->getOperand(0);
    OperationState state(op->getLoc(), op->getName(), ValueRange{inner}, {inner.getType()},
                         op->getAttrs());
    Operation *moved = b.create(state);
    b.replaceOp(op, reapply(b, layout, moved->getResult(0)));
    return success();
  }
};

// binary(L(a), L(b)) -> L(binary(a, b)); binary(L(a), s) -> L(binary(a, s))
struct SinkThroughBinary : RewritePattern {
  SinkThroughBinary(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &b) const override {
    if (!isElementwiseBinary(op))
      return failure();
    Value x = op->getOperand(0), y = op->getOperand(1);
    Operation *lx = x.getDefiningOp(), *ly = y.getDefiningOp();
    Value nx, ny;
    Operation *layout;
    if (isLayout(lx) && isLayout(ly) && sameLayout(lx, ly) &&
        lx->getOperand(0).getType() == ly->getOperand(0).getType()) {
      nx = lx->getOperand(0);
      ny = ly->getOperand(0);
      layout = lx;
    } else if (isLayout(lx) && isScalarLike(y)) {
      nx = lx->getOperand(0);
      ny = y;
      layout = lx;
    } else if (isLayout(ly) && isScalarLike(x)) {
      nx = x;
      ny = ly->getOperand(0);
      layout = ly;
    } else {
      return failure();
    }
    Type resultType = isScalarLike(nx) ? ny.getType() : nx.getType();
    OperationState state(op->getLoc(), op->getName(), ValueRange{nx, ny}, {resultType},
                         op->getAttrs());
    Operation *moved = b.create(state);
    b.replaceOp(op, reapply(b, layout, moved->getResult(0)));
    return success();
  }
};

struct LinearToConvPass : anec::impl::LinearToConvBase<LinearToConvPass> {
  using LinearToConvBase::LinearToConvBase;
  void runOnOperation() override {
    // Every pattern starts at a linear or a layout op (reshape, transpose);
    // the greedy driver would visit every op of a function without them.
    if (!getOperation()->walk([](Operation *op) {
          return isa<LinearOp>(op) || isLayout(op) ? WalkResult::interrupt()
                                                   : WalkResult::advance();
        }).wasInterrupted())
      return markAllAnalysesPreserved();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<LinearAsConv>(ctx, numConverted);
    patterns.add<SinkThroughUnary, SinkThroughBinary>(ctx);
    ReshapeOp::getCanonicalizationPatterns(patterns, ctx);
    TransposeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
