//===- MilCanonicalize.cpp - folds and canonicalizations of mil ops -------===//
//
// The obvious algebra and the folding of small constants. Large constants
// (weights, resources) are never folded: folding them would copy gigabytes
// into the context.
//
//===----------------------------------------------------------------------===//
#include "dialects/Mil/MilDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace anec::mil;

namespace {

/// Constants up to this many elements are folded.
constexpr int64_t kMaxFoldElements = 1024;

APFloat roundTo(double value, Type elementType) {
  APFloat result(value);
  bool losesInfo = false;
  result.convert(cast<FloatType>(elementType).getFloatSemantics(),
                 APFloat::rmNearestTiesToEven, &losesInfo);
  return result;
}

DenseFPElementsAttr smallFloatConstant(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!dense || (!dense.isSplat() && dense.getNumElements() > kMaxFoldElements))
    return {};
  return dense;
}

Attribute foldUnary(Attribute input, Type resultType,
                    llvm::function_ref<double(double)> fn) {
  DenseFPElementsAttr dense = smallFloatConstant(input);
  if (!dense)
    return {};
  auto type = cast<ShapedType>(resultType);
  Type element = type.getElementType();
  if (dense.isSplat())
    return DenseElementsAttr::get(
        type, roundTo(fn(dense.getSplatValue<APFloat>().convertToDouble()),
                      element));
  SmallVector<APFloat> values;
  for (APFloat v : dense.getValues<APFloat>())
    values.push_back(roundTo(fn(v.convertToDouble()), element));
  return DenseElementsAttr::get(type, values);
}

/// Element `outIndex` of a broadcast result maps to this flat index of an
/// operand of shape `inShape`.
int64_t broadcastSource(int64_t outIndex, ArrayRef<int64_t> outShape,
                        ArrayRef<int64_t> inShape) {
  int64_t source = 0, inStride = 1;
  for (int64_t d = outShape.size() - 1, di = inShape.size() - 1; d >= 0;
       --d, --di) {
    int64_t coord = outIndex % outShape[d];
    outIndex /= outShape[d];
    if (di < 0)
      continue;
    if (inShape[di] != 1)
      source += coord * inStride;
    inStride *= inShape[di];
  }
  return source;
}

Attribute foldBinary(Attribute xAttr, Attribute yAttr, Type resultType,
                     llvm::function_ref<double(double, double)> fn) {
  DenseFPElementsAttr x = smallFloatConstant(xAttr),
                      y = smallFloatConstant(yAttr);
  if (!x || !y)
    return {};
  auto type = cast<ShapedType>(resultType);
  Type element = type.getElementType();
  if (x.isSplat() && y.isSplat())
    return DenseElementsAttr::get(
        type, roundTo(fn(x.getSplatValue<APFloat>().convertToDouble(),
                         y.getSplatValue<APFloat>().convertToDouble()),
                      element));
  if (type.getNumElements() > kMaxFoldElements)
    return {};
  SmallVector<double> xs, ys;
  for (APFloat v : x.getValues<APFloat>())
    xs.push_back(v.convertToDouble());
  for (APFloat v : y.getValues<APFloat>())
    ys.push_back(v.convertToDouble());
  auto xShape = x.getType().getShape(), yShape = y.getType().getShape();
  SmallVector<APFloat> values;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    double a = x.isSplat() ? xs[0] : xs[broadcastSource(i, type.getShape(), xShape)];
    double b = y.isSplat() ? ys[0] : ys[broadcastSource(i, type.getShape(), yShape)];
    values.push_back(roundTo(fn(a, b), element));
  }
  return DenseElementsAttr::get(type, values);
}

/// True when `attr` is a float constant whose every element equals `value`.
bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  return dense && dense.isSplat() &&
         dense.getSplatValue<APFloat>().convertToDouble() == value;
}

/// `op(x, identity) -> x`, valid only when broadcasting does not grow x.
OpFoldResult foldRightIdentity(Value x, Attribute y, Type resultType,
                               double identity) {
  if (x.getType() == resultType && isSplatOf(y, identity))
    return x;
  return {};
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

double geluReference(StringRef mode, double v) {
  if (mode == "TANH_APPROXIMATION")
    return 0.5 * v *
           (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
  if (mode == "SIGMOID_APPROXIMATION")
    return v * sigmoid(1.702 * v);
  return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

OpFoldResult ConstOp::fold(FoldAdaptor) { return getValAttr(); }

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

// unary(c) -> c' for small float constants
#define MIL_UNARY_FOLD(OP, EXPR)                                               \
  OpFoldResult OP::fold(FoldAdaptor a) {                                       \
    return foldUnary(a.getX(), getType(), [&](double v) { return EXPR; });     \
  }
MIL_UNARY_FOLD(SqrtOp, std::sqrt(v))
MIL_UNARY_FOLD(ExpOp, std::exp(v))
MIL_UNARY_FOLD(SquareOp, v * v)
MIL_UNARY_FOLD(TanhOp, std::tanh(v))
MIL_UNARY_FOLD(ErfOp, std::erf(v))
MIL_UNARY_FOLD(SigmoidOp, sigmoid(v))
MIL_UNARY_FOLD(SiluOp, v * sigmoid(v))
MIL_UNARY_FOLD(ReluOp, v > 0 ? v : 0.0)
MIL_UNARY_FOLD(AbsOp, std::fabs(v))
MIL_UNARY_FOLD(SinOp, std::sin(v))
MIL_UNARY_FOLD(CosOp, std::cos(v))
MIL_UNARY_FOLD(RsqrtOp,
               1.0 / std::sqrt(v + getEpsilon().convertToDouble()))
MIL_UNARY_FOLD(GeluOp, geluReference(getMode(), v))
#undef MIL_UNARY_FOLD

// add(x, 0) -> x; add(c1, c2) -> c
OpFoldResult AddOp::fold(FoldAdaptor a) {
  if (OpFoldResult r = foldRightIdentity(getX(), a.getY(), getType(), 0.0))
    return r;
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return p + q; });
}

// sub(x, 0) -> x; sub(c1, c2) -> c
OpFoldResult SubOp::fold(FoldAdaptor a) {
  if (OpFoldResult r = foldRightIdentity(getX(), a.getY(), getType(), 0.0))
    return r;
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return p - q; });
}

// mul(x, 1) -> x; mul(c1, c2) -> c
OpFoldResult MulOp::fold(FoldAdaptor a) {
  if (OpFoldResult r = foldRightIdentity(getX(), a.getY(), getType(), 1.0))
    return r;
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return p * q; });
}

// real_div(x, 1) -> x; real_div(c1, c2) -> c
OpFoldResult RealDivOp::fold(FoldAdaptor a) {
  if (OpFoldResult r = foldRightIdentity(getX(), a.getY(), getType(), 1.0))
    return r;
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return p / q; });
}

// pow(x, 1) -> x; pow(c1, c2) -> c
OpFoldResult PowOp::fold(FoldAdaptor a) {
  if (OpFoldResult r = foldRightIdentity(getX(), a.getY(), getType(), 1.0))
    return r;
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return std::pow(p, q); });
}

// maximum(c1, c2) -> c
OpFoldResult MaximumOp::fold(FoldAdaptor a) {
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return std::max(p, q); });
}

// minimum(c1, c2) -> c
OpFoldResult MinimumOp::fold(FoldAdaptor a) {
  return foldBinary(a.getX(), a.getY(), getType(),
                    [](double p, double q) { return std::min(p, q); });
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

// reshape(x) -> x when the shape is unchanged; reshape(c) -> c'
OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  if (getX().getType() == getType())
    return getX();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(a.getX()))
    if (dense.isSplat() || dense.getNumElements() <= kMaxFoldElements)
      return dense.reshape(cast<ShapedType>(getType()));
  return {};
}

namespace {
// reshape(reshape(x)) -> reshape(x)
struct ReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getX().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getXMutable().assign(inner.getX()); });
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ReshapeOfReshape>(context);
}

// transpose(x, identity) -> x; transpose(c) -> c'
OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  // Entries counted from the end (-1) are made non-negative in place, so
  // that every later reader of perm may index with it.
  if (llvm::any_of(getPerm(), [](int64_t p) { return p < 0; })) {
    SmallVector<int64_t> normalized(getPerm());
    for (int64_t &p : normalized)
      if (p < 0)
        p += (int64_t)normalized.size();
    setPerm(normalized);
    return getResult();
  }
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= (int64_t)i == p;
  if (identity)
    return getX();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(a.getX());
  if (!dense)
    return {};
  auto type = cast<ShapedType>(getType());
  if (dense.isSplat())
    return dense.resizeSplat(type);
  if (dense.getNumElements() > kMaxFoldElements)
    return {};
  auto inShape = dense.getType().getShape();
  SmallVector<int64_t> inStrides(inShape.size(), 1);
  for (int64_t d = (int64_t)inShape.size() - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  SmallVector<Attribute> in(dense.getValues<Attribute>());
  SmallVector<Attribute> out;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    int64_t rem = i, source = 0;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      source += (rem % type.getDimSize(d)) * inStrides[perm[d]];
      rem /= type.getDimSize(d);
    }
    out.push_back(in[source]);
  }
  return DenseElementsAttr::get(type, out);
}

namespace {
// transpose(transpose(x, p), q) -> transpose(x, p∘q)
struct TransposeOfTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getX().getDefiningOp<TransposeOp>();
    auto negative = [](int64_t p) { return p < 0; };
    if (!inner || llvm::any_of(op.getPerm(), negative) || llvm::any_of(inner.getPerm(), negative))
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, inner.getX(), perm);
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<TransposeOfTranspose>(context);
}

//===----------------------------------------------------------------------===//
// Casts
//===----------------------------------------------------------------------===//

namespace {
/// True when every value of `from` is exactly representable in `to`.
bool isExactConversion(Type from, Type to) {
  if (from == to)
    return true;
  if (auto ff = dyn_cast<FloatType>(from)) {
    auto tf = dyn_cast<FloatType>(to);
    return tf && ff.getWidth() < tf.getWidth() && !from.isBF16();
  }
  auto fi = dyn_cast<IntegerType>(from);
  if (!fi)
    return false;
  unsigned valueBits = fi.isUnsigned() || fi.getWidth() == 1 ? fi.getWidth()
                                                             : fi.getWidth() - 1;
  if (auto tf = dyn_cast<FloatType>(to))
    return valueBits + 1 <= (unsigned)tf.getFPMantissaWidth();
  auto ti = cast<IntegerType>(to);
  if (fi.isUnsigned() || fi.getWidth() == 1)
    return ti.isUnsigned() ? ti.getWidth() >= valueBits
                           : ti.getWidth() > valueBits;
  return !ti.isUnsigned() && ti.getWidth() > fi.getWidth();
}
} // namespace

// cast(x) -> x when the type is unchanged; cast(c) -> c'
OpFoldResult CastOp::fold(FoldAdaptor a) {
  if (getX().getType() == getType())
    return getX();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(a.getX());
  if (!dense || (!dense.isSplat() && dense.getNumElements() > kMaxFoldElements))
    return {};
  auto type = cast<ShapedType>(getType());
  Type to = type.getElementType();
  Type from = dense.getElementType();
  // Float to float, and integers to float; MIL truncates float to int.
  SmallVector<APFloat> floats;
  SmallVector<APInt> ints;
  auto convert = [&](double v) {
    if (isa<FloatType>(to))
      floats.push_back(roundTo(v, to));
    else
      ints.push_back(APInt(to.getIntOrFloatBitWidth(), (int64_t)std::trunc(v),
                           /*isSigned=*/!to.isUnsignedInteger()));
  };
  if (isa<FloatType>(from)) {
    for (APFloat v : dense.getValues<APFloat>())
      convert(v.convertToDouble());
  } else if (auto fi = dyn_cast<IntegerType>(from)) {
    for (APInt v : dense.getValues<APInt>())
      convert(fi.isUnsigned() || fi.getWidth() == 1 ? (double)v.getZExtValue()
                                                    : (double)v.getSExtValue());
  } else {
    return {};
  }
  if (isa<FloatType>(to))
    return DenseElementsAttr::get(type, floats);
  if (!isa<IntegerType>(to))
    return {};
  return DenseElementsAttr::get(type, ints);
}

namespace {
// cast(cast(x, wider), t) -> cast(x, t), and -> x when t is x's type
struct CastOfExactCast : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getX().getDefiningOp<CastOp>();
    if (!inner || !isExactConversion(inner.getX().getType().getElementType(),
                                     inner.getType().getElementType()))
      return failure();
    if (inner.getX().getType() == op.getType()) {
      rewriter.replaceOp(op, inner.getX());
      return success();
    }
    rewriter.modifyOpInPlace(op, [&] { op.getXMutable().assign(inner.getX()); });
    return success();
  }
};
} // namespace

void CastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<CastOfExactCast>(context);
}
