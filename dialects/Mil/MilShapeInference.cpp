//===- MilShapeInference.cpp - result types of mil ops ---------------------===//
//
// One function per op computes the result type and, in doing so, checks every
// rule the op's operands must satisfy (StableHLO's style: verification and
// inference share one code path). Messages name the op and what is wrong.
//
//===----------------------------------------------------------------------===//
#include "dialects/Mil/MilDialect.h"
#include "dialects/Mil/MilShapes.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace anec::mil;

namespace {

/// Emits "'mil.<op>' op <message>" when inference runs with a location (the
/// verifier and the parser); stays silent for speculative queries.
template <typename OpTy>
struct Diag {
  std::optional<Location> loc;
  template <typename... Args>
  LogicalResult operator()(Args &&...args) const {
    return emitOptionalError(loc, "'", OpTy::getOperationName(), "' op ",
                             std::forward<Args>(args)...);
  }
};

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

RankedTensorType withShape(RankedTensorType t, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, t.getElementType());
}

/// Normalised, duplicate-free axes; an error names the offending axis.
template <typename OpTy>
FailureOr<SmallVector<int64_t>> checkAxes(Diag<OpTy> diag, StringRef what,
                                          ArrayRef<int64_t> axes,
                                          int64_t rank) {
  SmallVector<int64_t> out;
  SmallVector<bool> seen(rank, false);
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = normalizeAxis(axis, rank);
    if (failed(a))
      return diag(what, " ", axis, " is out of range for rank ", rank),
             failure();
    if (seen[*a])
      return diag(what, " ", axis, " appears twice"), failure();
    seen[*a] = true;
    out.push_back(*a);
  }
  return out;
}

template <typename OpTy>
LogicalResult checkSameElementType(Diag<OpTy> diag, StringRef aName, Value a,
                                   StringRef bName, Value b) {
  Type ta = tensorType(a).getElementType(), tb = tensorType(b).getElementType();
  if (ta != tb)
    return diag("expects ", aName, " and ", bName,
                " to have the same element type, got ", ta, " and ", tb);
  return success();
}

template <typename OpTy>
LogicalResult inferBinary(std::optional<Location> loc, typename OpTy::Adaptor a,
                          SmallVectorImpl<Type> &results) {
  Diag<OpTy> diag{loc};
  if (failed(checkSameElementType(diag, "x", a.getX(), "y", a.getY())))
    return failure();
  auto tx = tensorType(a.getX()), ty = tensorType(a.getY());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(tx.getShape(), ty.getShape());
  if (failed(shape))
    return diag("expects x ", shapeToString(tx.getShape()), " and y ",
                shapeToString(ty.getShape()), " to broadcast");
  results.push_back(withShape(tx, *shape));
  return success();
}

template <typename OpTy>
LogicalResult inferReduce(std::optional<Location> loc, typename OpTy::Adaptor a,
                          SmallVectorImpl<Type> &results) {
  auto tx = tensorType(a.getX());
  int64_t rank = tx.getRank();
  SmallVector<int64_t> axes;
  if (auto given = a.getAxes()) {
    auto checked = checkAxes(Diag<OpTy>{loc}, "axis", *given, rank);
    if (failed(checked))
      return failure();
    axes = *checked;
  } else {
    axes.resize(rank);
    std::iota(axes.begin(), axes.end(), 0);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    if (!reduced)
      shape.push_back(tx.getDimSize(i));
    else if (a.getKeepDims())
      shape.push_back(1);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

/// Shared by layer_norm and rms_norm: gamma/beta have shape x.shape[axes].
template <typename OpTy>
LogicalResult checkNormParams(Diag<OpTy> diag, Value x, ArrayRef<int64_t> axes,
                              ArrayRef<std::pair<StringRef, Value>> params,
                              float epsilon) {
  auto tx = tensorType(x);
  auto normAxes = checkAxes(diag, "axis", axes, tx.getRank());
  if (failed(normAxes))
    return failure();
  if (axes.empty())
    return diag("expects at least one axis to normalise over");
  if (!(epsilon >= 0.0f))
    return diag("expects a non-negative epsilon, got ", epsilon);
  SmallVector<int64_t> expected;
  for (int64_t axis : *normAxes)
    expected.push_back(tx.getDimSize(axis));
  for (auto [name, value] : params) {
    if (!value)
      continue;
    if (failed(checkSameElementType(diag, "x", x, name, value)))
      return failure();
    if (tensorType(value).getShape() != ArrayRef<int64_t>(expected))
      return diag("expects ", name, " of shape ", shapeToString(expected),
                  " (x's normalised axes), got ",
                  shapeToString(tensorType(value).getShape()));
  }
  return success();
}

/// scale/zero_point of a (de)quantization: a scalar, or a vector along axis.
template <typename OpTy>
LogicalResult checkQuantParams(Diag<OpTy> diag, RankedTensorType data,
                               Value scale, Value zeroPoint,
                               std::optional<int64_t> axis) {
  std::optional<int64_t> normAxis;
  if (axis) {
    FailureOr<int64_t> n = normalizeAxis(*axis, data.getRank());
    if (failed(n))
      return diag("axis ", *axis, " is out of range for rank ",
                  data.getRank());
    normAxis = *n;
  }
  for (auto [name, value] : {std::pair<StringRef, Value>{"scale", scale},
                             std::pair<StringRef, Value>{"zero_point", zeroPoint}}) {
    if (!value)
      continue;
    auto t = tensorType(value);
    if (t.getNumElements() == 1)
      continue; // per-tensor
    if (t.getRank() != 1)
      return diag("expects ", name, " to be a scalar or a vector, got rank ",
                  t.getRank());
    if (!normAxis)
      return diag("expects an axis for a per-channel ", name);
    if (t.getDimSize(0) != data.getDimSize(*normAxis))
      return diag("expects ", name, " of size ", data.getDimSize(*normAxis),
                  " (axis ", *normAxis, "), got ", t.getDimSize(0));
  }
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Per-op inference
//===----------------------------------------------------------------------===//

#define MIL_BINARY_INFER(OP)                                                   \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> l, \
                                     Adaptor a, SmallVectorImpl<Type> &r) {    \
    return inferBinary<OP>(l, a, r);                                           \
  }
MIL_BINARY_INFER(AddOp)
MIL_BINARY_INFER(SubOp)
MIL_BINARY_INFER(MulOp)
MIL_BINARY_INFER(RealDivOp)
MIL_BINARY_INFER(PowOp)
MIL_BINARY_INFER(MaximumOp)
MIL_BINARY_INFER(MinimumOp)
#undef MIL_BINARY_INFER

#define MIL_REDUCE_INFER(OP)                                                   \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> l, \
                                     Adaptor a, SmallVectorImpl<Type> &r) {    \
    return inferReduce<OP>(l, a, r);                                           \
  }
MIL_REDUCE_INFER(ReduceMeanOp)
MIL_REDUCE_INFER(ReduceSumOp)
MIL_REDUCE_INFER(ReduceMaxOp)
MIL_REDUCE_INFER(ReduceMinOp)
MIL_REDUCE_INFER(ReduceSumSquareOp)
#undef MIL_REDUCE_INFER

LogicalResult ConstOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc, Adaptor a,
                                        SmallVectorImpl<Type> &results) {
  auto type = dyn_cast<RankedTensorType>(a.getVal().getType());
  if (!type || !type.hasStaticShape())
    return Diag<ConstOp>{loc}("expects a statically shaped tensor value");
  results.push_back(type);
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &results) {
  Diag<LinearOp> diag{loc};
  auto tx = tensorType(a.getX()), tw = tensorType(a.getWeight());
  if (tx.getRank() < 1)
    return diag("expects x of rank at least 1");
  if (tw.getRank() != 2)
    return diag("expects a weight of rank 2 [out, in], got rank ",
                tw.getRank());
  if (failed(checkSameElementType(diag, "x", a.getX(), "weight",
                                  a.getWeight())))
    return failure();
  int64_t channels = tx.getShape().back();
  if (tw.getDimSize(1) != channels)
    return diag("expects weight input channels (", tw.getDimSize(1),
                ") to match x channels (", channels, ")");
  if (Value bias = a.getBias()) {
    if (failed(checkSameElementType(diag, "x", a.getX(), "bias", bias)))
      return failure();
    auto tb = tensorType(bias);
    if (tb.getRank() != 1 || tb.getDimSize(0) != tw.getDimSize(0))
      return diag("expects a bias of shape [", tw.getDimSize(0), "], got ",
                  shapeToString(tb.getShape()));
  }
  SmallVector<int64_t> shape(tx.getShape());
  shape.back() = tw.getDimSize(0);
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &results) {
  Diag<MatmulOp> diag{loc};
  if (failed(checkSameElementType(diag, "x", a.getX(), "y", a.getY())))
    return failure();
  auto tx = tensorType(a.getX()), ty = tensorType(a.getY());
  if (tx.getRank() < 1 || ty.getRank() < 1)
    return diag("expects x and y of rank at least 1");
  // numpy: a rank-1 x is a row vector, a rank-1 y a column vector; the added
  // axis is dropped from the result.
  SmallVector<int64_t> xs(tx.getShape()), ys(ty.getShape());
  bool xVector = xs.size() == 1, yVector = ys.size() == 1;
  if (xVector)
    xs.insert(xs.begin(), 1);
  if (yVector)
    ys.push_back(1);
  if (a.getTransposeX() && !xVector)
    std::swap(xs[xs.size() - 1], xs[xs.size() - 2]);
  if (a.getTransposeY() && !yVector)
    std::swap(ys[ys.size() - 1], ys[ys.size() - 2]);
  int64_t m = xs[xs.size() - 2], k = xs.back();
  int64_t k2 = ys[ys.size() - 2], n = ys.back();
  if (k != k2)
    return diag("expects the contracted dimensions to match: x has ", k,
                ", y has ", k2);
  auto batch = broadcastShapes(ArrayRef<int64_t>(xs).drop_back(2),
                               ArrayRef<int64_t>(ys).drop_back(2));
  if (failed(batch))
    return diag("expects the batch dimensions of x ", shapeToString(xs),
                " and y ", shapeToString(ys), " to broadcast");
  SmallVector<int64_t> shape = *batch;
  if (!xVector)
    shape.push_back(m);
  if (!yVector)
    shape.push_back(n);
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc, Adaptor a,
                                       SmallVectorImpl<Type> &results) {
  Diag<ConvOp> diag{loc};
  auto tx = tensorType(a.getX()), tw = tensorType(a.getWeight());
  if (tx.getRank() != 3 && tx.getRank() != 4)
    return diag("expects x of rank 3 (1-D) or 4 (2-D), got rank ",
                tx.getRank());
  if (tw.getRank() != tx.getRank())
    return diag("expects a weight of rank ", tx.getRank(), ", got rank ",
                tw.getRank());
  if (failed(checkSameElementType(diag, "x", a.getX(), "weight",
                                  a.getWeight())))
    return failure();
  int64_t groups = a.getGroups();
  int64_t spatial = tx.getRank() - 2;
  int64_t cin = tx.getDimSize(1), cout = tw.getDimSize(0);
  if (groups < 1 || cin % groups != 0 || cout % groups != 0)
    return diag("expects groups (", groups,
                ") to divide the input and output channels (", cin, ", ",
                cout, ")");
  if (tw.getDimSize(1) * groups != cin)
    return diag("expects weight input channels (", tw.getDimSize(1),
                ") times groups (", groups, ") to match x channels (", cin,
                ")");
  if (Value bias = a.getBias()) {
    auto tb = tensorType(bias);
    if (tb.getRank() != 1 || tb.getDimSize(0) != cout)
      return diag("expects a bias of shape [", cout, "], got ",
                  shapeToString(tb.getShape()));
  }
  auto perAxis = [&](StringRef name, std::optional<ArrayRef<int64_t>> given,
                     SmallVectorImpl<int64_t> &out) -> LogicalResult {
    out.assign(spatial, 1);
    if (!given)
      return success();
    if ((int64_t)given->size() != spatial)
      return diag("expects ", spatial, " ", name, ", got ", given->size());
    for (int64_t v : *given)
      if (v < 1)
        return diag("expects positive ", name, ", got ", v);
    out.assign(given->begin(), given->end());
    return success();
  };
  SmallVector<int64_t> strides, dilations;
  if (failed(perAxis("strides", a.getStrides(), strides)) ||
      failed(perAxis("dilations", a.getDilations(), dilations)))
    return failure();
  StringRef padType = a.getPadType();
  if (padType != "valid" && padType != "same" && padType != "custom" &&
      padType != "same_lower")
    return diag("expects pad_type valid, same, same_lower or custom, got '",
                padType, "'");
  SmallVector<int64_t> pad(2 * spatial, 0);
  if (padType == "custom") {
    auto given = a.getPad();
    if (!given || (int64_t)given->size() != 2 * spatial)
      return diag("expects pad with ", 2 * spatial,
                  " values for pad_type custom");
    for (int64_t v : *given)
      if (v < 0)
        return diag("expects non-negative pad, got ", v);
    pad.assign(given->begin(), given->end());
  }
  SmallVector<int64_t> shape = {tx.getDimSize(0), cout};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = tx.getDimSize(2 + i);
    int64_t kernel = (tw.getDimSize(2 + i) - 1) * dilations[i] + 1;
    int64_t out;
    if (padType == "same" || padType == "same_lower") {
      out = llvm::divideCeil(in, strides[i]);
    } else {
      int64_t padded = in + pad[2 * i] + pad[2 * i + 1];
      if (padded < kernel)
        return diag("expects the kernel (", kernel, ") to fit the padded input (",
                    padded, ") along spatial axis ", i);
      out = (padded - kernel) / strides[i] + 1;
    }
    shape.push_back(out);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkNormParams(Diag<LayerNormOp>{loc}, a.getX(), a.getAxes(),
                             {{"gamma", a.getGamma()}, {"beta", a.getBeta()}},
                             a.getEpsilon().convertToFloat())))
    return failure();
  results.push_back(a.getX().getType());
  return success();
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor a,
                                          SmallVectorImpl<Type> &results) {
  if (failed(checkNormParams(Diag<RmsNormOp>{loc}, a.getX(), a.getAxes(),
                             {{"gamma", a.getGamma()}},
                             a.getEpsilon().convertToFloat())))
    return failure();
  results.push_back(a.getX().getType());
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor a,
                                          SmallVectorImpl<Type> &results) {
  auto tx = tensorType(a.getX());
  if (failed(normalizeAxis(a.getAxis(), tx.getRank())))
    return Diag<SoftmaxOp>{loc}("axis ", a.getAxis(),
                                " is out of range for rank ", tx.getRank());
  results.push_back(tx);
  return success();
}

LogicalResult ScaledDotProductAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor a,
    SmallVectorImpl<Type> &results) {
  Diag<ScaledDotProductAttentionOp> diag{loc};
  auto tq = tensorType(a.getQuery()), tk = tensorType(a.getKey()),
       tv = tensorType(a.getValue());
  if (tq.getRank() < 3 || tk.getRank() != tq.getRank() ||
      tv.getRank() != tq.getRank())
    return diag("expects query, key and value of one rank, at least 3");
  if (failed(checkSameElementType(diag, "query", a.getQuery(), "key",
                                  a.getKey())) ||
      failed(checkSameElementType(diag, "query", a.getQuery(), "value",
                                  a.getValue())))
    return failure();
  auto batch = tq.getShape().drop_back(2);
  if (tk.getShape().drop_back(2) != batch || tv.getShape().drop_back(2) != batch)
    return diag("expects query, key and value to share the batch dimensions ",
                shapeToString(batch));
  int64_t l = tq.getShape().end()[-2], e = tq.getShape().back();
  int64_t s = tk.getShape().end()[-2];
  if (tk.getShape().back() != e)
    return diag("expects key's last dimension (", tk.getShape().back(),
                ") to match query's (", e, ")");
  if (tv.getShape().end()[-2] != s)
    return diag("expects value's sequence length (", tv.getShape().end()[-2],
                ") to match key's (", s, ")");
  SmallVector<int64_t> scores(batch);
  scores.append({l, s});
  if (Value mask = a.getAttnMask()) {
    auto tm = tensorType(mask);
    auto b = broadcastShapes(tm.getShape(), scores);
    if (failed(b) || ArrayRef<int64_t>(*b) != ArrayRef<int64_t>(scores))
      return diag("expects attn_mask ", shapeToString(tm.getShape()),
                  " to broadcast to the scores ", shapeToString(scores));
    if (!tm.getElementType().isInteger(1) &&
        tm.getElementType() != tq.getElementType())
      return diag("expects a bool attn_mask or one of query's element type");
  }
  SmallVector<int64_t> shape(batch);
  shape.append({l, tv.getShape().back()});
  results.push_back(withShape(tq, shape));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &results) {
  Diag<GatherOp> diag{loc};
  auto tx = tensorType(a.getX()), ti = tensorType(a.getIndices());
  FailureOr<int64_t> axis = normalizeAxis(a.getAxis(), tx.getRank());
  if (failed(axis))
    return diag("axis ", a.getAxis(), " is out of range for rank ",
                tx.getRank());
  int64_t batchDims = a.getBatchDims();
  if (batchDims < 0 || batchDims > *axis || batchDims > ti.getRank())
    return diag("expects 0 <= batch_dims (", batchDims,
                ") <= min(axis, indices rank)");
  for (int64_t i = 0; i < batchDims; ++i)
    if (tx.getDimSize(i) != ti.getDimSize(i))
      return diag("expects x and indices to agree on batch dimension ", i);
  SmallVector<int64_t> shape(tx.getShape().take_front(*axis));
  llvm::append_range(shape, ti.getShape().drop_front(batchDims));
  llvm::append_range(shape, tx.getShape().drop_front(*axis + 1));
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &results) {
  Diag<ConcatOp> diag{loc};
  ValueRange values = a.getValues();
  if (values.empty())
    return diag("expects at least one value");
  auto first = tensorType(values.front());
  FailureOr<int64_t> axis = normalizeAxis(a.getAxis(), first.getRank());
  if (failed(axis))
    return diag("axis ", a.getAxis(), " is out of range for rank ",
                first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, v] : llvm::enumerate(values.drop_front())) {
    auto t = tensorType(v);
    if (t.getElementType() != first.getElementType())
      return diag("expects every value to have element type ",
                  first.getElementType(), ", value ", i + 1, " has ",
                  t.getElementType());
    if (t.getRank() != first.getRank())
      return diag("expects every value to have rank ", first.getRank(),
                  ", value ", i + 1, " has rank ", t.getRank());
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != *axis && t.getDimSize(d) != first.getDimSize(d))
        return diag("expects value ", i + 1, " ", shapeToString(t.getShape()),
                    " to match value 0 ", shapeToString(first.getShape()),
                    " except along axis ", *axis);
    if (a.getInterleave() && t.getDimSize(*axis) != first.getDimSize(*axis))
      return diag("expects equal sizes along the axis when interleaving");
    shape[*axis] += t.getDimSize(*axis);
  }
  results.push_back(withShape(first, shape));
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                       Adaptor a, SmallVectorImpl<Type> &results) {
  Diag<TopKOp> diag{loc};
  auto tx = tensorType(a.getX());
  FailureOr<int64_t> axis = normalizeAxis(a.getAxis(), tx.getRank());
  if (failed(axis))
    return diag("axis ", a.getAxis(), " is out of range for rank ", tx.getRank());
  int64_t k = a.getK();
  if (k < 1 || k > tx.getDimSize(*axis))
    return diag("expects 1 <= k <= ", tx.getDimSize(*axis), " (the axis size), got ", k);
  SmallVector<int64_t> shape(tx.getShape());
  shape[*axis] = k;
  results.push_back(withShape(tx, shape));
  results.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 32)));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc, Adaptor a,
                                        SmallVectorImpl<Type> &results) {
  Diag<SplitOp> diag{loc};
  auto tx = tensorType(a.getX());
  FailureOr<int64_t> axis = normalizeAxis(a.getAxis(), tx.getRank());
  if (failed(axis))
    return diag("axis ", a.getAxis(), " is out of range for rank ",
                tx.getRank());
  int64_t dim = tx.getDimSize(*axis);
  auto numSplits = a.getNumSplits();
  auto sizes = a.getSplitSizes();
  if (numSplits.has_value() == sizes.has_value())
    return diag("expects exactly one of num_splits and split_sizes");
  SmallVector<int64_t> parts;
  if (numSplits) {
    int64_t n = *numSplits;
    if (n < 1 || dim % n != 0)
      return diag("expects num_splits (", n, ") to divide the axis size (",
                  dim, ")");
    parts.assign(n, dim / n);
  } else {
    int64_t total = 0;
    for (int64_t s : *sizes) {
      if (s < 1)
        return diag("expects positive split_sizes, got ", s);
      total += s;
    }
    if (total != dim)
      return diag("expects split_sizes to sum to the axis size (", dim,
                  "), they sum to ", total);
    parts.assign(sizes->begin(), sizes->end());
  }
  for (int64_t part : parts) {
    SmallVector<int64_t> shape(tx.getShape());
    shape[*axis] = part;
    results.push_back(withShape(tx, shape));
  }
  return success();
}

LogicalResult SliceByIndexOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor a,
                                               SmallVectorImpl<Type> &results) {
  Diag<SliceByIndexOp> diag{loc};
  auto tx = tensorType(a.getX());
  std::string error;
  FailureOr<StridedSlice> slice = computeSliceByIndex(
      tx.getShape(), a.getBegin(), a.getEnd(), a.getStride(),
      a.getBeginMask(), a.getEndMask(), a.getSqueezeMask(), error);
  if (failed(slice))
    return diag(error);
  results.push_back(withShape(tx, slice->resultShape()));
  return success();
}

LogicalResult SliceBySizeOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor a,
                                              SmallVectorImpl<Type> &results) {
  Diag<SliceBySizeOp> diag{loc};
  auto tx = tensorType(a.getX());
  ArrayRef<int64_t> begin = a.getBegin(), size = a.getSize();
  if ((int64_t)begin.size() != tx.getRank() ||
      (int64_t)size.size() != tx.getRank())
    return diag("expects begin and size with ", tx.getRank(),
                " values (x's rank)");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < tx.getRank(); ++i) {
    int64_t dim = tx.getDimSize(i);
    if (begin[i] < 0 || begin[i] >= dim)
      return diag("begin ", begin[i], " is out of range for axis ", i,
                  " of size ", dim);
    int64_t s = size[i] == -1 ? dim - begin[i] : size[i];
    if (s < 1 || begin[i] + s > dim)
      return diag("expects size ", size[i], " at begin ", begin[i],
                  " to fit axis ", i, " of size ", dim);
    shape.push_back(s);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor a,
                                          SmallVectorImpl<Type> &results) {
  Diag<ReshapeOp> diag{loc};
  auto tx = tensorType(a.getX());
  SmallVector<int64_t> shape(a.getShape());
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == -1) {
      if (inferred != -1)
        return diag("expects at most one -1 in shape");
      inferred = i;
    } else if (d < 1) {
      return diag("expects positive dimensions in shape, got ", d);
    } else {
      known *= d;
    }
  }
  int64_t total = tx.getNumElements();
  if (inferred != -1) {
    if (total % known != 0)
      return diag("cannot infer the -1 in shape ", shapeToString(shape),
                  " for ", total, " elements");
    shape[inferred] = total / known;
  } else if (known != total) {
    return diag("expects shape ", shapeToString(shape), " to hold ", total,
                " elements (x is ", shapeToString(tx.getShape()), "), it holds ",
                known);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &results) {
  Diag<TransposeOp> diag{loc};
  auto tx = tensorType(a.getX());
  ArrayRef<int64_t> perm = a.getPerm();
  if ((int64_t)perm.size() != tx.getRank())
    return diag("expects perm with ", tx.getRank(), " entries, got ",
                perm.size());
  auto axes = checkAxes(diag, "perm entry", perm, tx.getRank());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t p : *axes)
    shape.push_back(tx.getDimSize(p));
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult ExpandDimsOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor a,
                                             SmallVectorImpl<Type> &results) {
  Diag<ExpandDimsOp> diag{loc};
  auto tx = tensorType(a.getX());
  int64_t outRank = tx.getRank() + a.getAxes().size();
  auto axes = checkAxes(diag, "axis", a.getAxes(), outRank);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  auto in = tx.getShape().begin();
  for (int64_t i = 0; i < outRank; ++i)
    shape.push_back(llvm::is_contained(*axes, i) ? 1 : *in++);
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor a,
                                          SmallVectorImpl<Type> &results) {
  Diag<SqueezeOp> diag{loc};
  auto tx = tensorType(a.getX());
  SmallVector<int64_t> shape;
  if (auto given = a.getAxes()) {
    auto axes = checkAxes(diag, "axis", *given, tx.getRank());
    if (failed(axes))
      return failure();
    for (int64_t axis : *axes)
      if (tx.getDimSize(axis) != 1)
        return diag("expects axis ", axis, " to have size 1, it has ",
                    tx.getDimSize(axis));
    for (int64_t i = 0; i < tx.getRank(); ++i)
      if (!llvm::is_contained(*axes, i))
        shape.push_back(tx.getDimSize(i));
  } else {
    for (int64_t d : tx.getShape())
      if (d != 1)
        shape.push_back(d);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc, Adaptor a,
                                       SmallVectorImpl<Type> &results) {
  Diag<TileOp> diag{loc};
  auto tx = tensorType(a.getX());
  ArrayRef<int64_t> reps = a.getReps();
  if ((int64_t)reps.size() != tx.getRank())
    return diag("expects reps with ", tx.getRank(), " entries, got ",
                reps.size());
  SmallVector<int64_t> shape;
  for (auto [d, r] : llvm::zip(tx.getShape(), reps)) {
    if (r < 1)
      return diag("expects positive reps, got ", r);
    shape.push_back(d * r);
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc, Adaptor a,
                                      SmallVectorImpl<Type> &results) {
  Diag<PadOp> diag{loc};
  auto tx = tensorType(a.getX());
  ArrayRef<int64_t> pad = a.getPad();
  // MIL pads the last pad.size()/2 axes.
  if (pad.size() % 2 != 0 || (int64_t)pad.size() > 2 * tx.getRank())
    return diag("expects an even number of pad values, at most ",
                2 * tx.getRank());
  StringRef mode = a.getMode();
  if (mode != "constant" && mode != "reflect" && mode != "replicate")
    return diag("expects mode constant, reflect or replicate, got '", mode,
                "'");
  SmallVector<int64_t> shape(tx.getShape());
  int64_t first = tx.getRank() - pad.size() / 2;
  for (int64_t i = first; i < tx.getRank(); ++i) {
    int64_t before = pad[2 * (i - first)], after = pad[2 * (i - first) + 1];
    if (before < 0 || after < 0)
      return diag("expects non-negative pad values");
    if (mode == "reflect" && (before >= shape[i] || after >= shape[i]))
      return diag("expects reflect padding smaller than axis ", i, " (",
                  shape[i], ")");
    shape[i] += before + after;
  }
  results.push_back(withShape(tx, shape));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc, Adaptor a,
                                       SmallVectorImpl<Type> &results) {
  Type element = parseMilTypeName(ctx, a.getDtype());
  if (!element)
    return Diag<CastOp>{loc}("unknown dtype '", a.getDtype(), "'");
  results.push_back(tensorType(a.getX()).clone(element));
  return success();
}

LogicalResult ConstexprCastOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor a,
    SmallVectorImpl<Type> &results) {
  Type element = parseMilTypeName(ctx, a.getOutputDtype());
  if (!element || !isa<FloatType>(element))
    return Diag<ConstexprCastOp>{loc}("expects output_dtype fp16 or fp32, got '",
                                      a.getOutputDtype(), "'");
  results.push_back(tensorType(a.getSourceVal()).clone(element));
  return success();
}

LogicalResult ConstexprAffineDequantizeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor a,
    SmallVectorImpl<Type> &results) {
  Diag<ConstexprAffineDequantizeOp> diag{loc};
  auto data = tensorType(a.getQuantizedData());
  if (failed(checkSameElementType(diag, "quantized_data", a.getQuantizedData(),
                                  "zero_point", a.getZeroPoint())) ||
      failed(checkQuantParams(diag, data, a.getScale(), a.getZeroPoint(),
                              a.getAxis())))
    return failure();
  results.push_back(data.clone(tensorType(a.getScale()).getElementType()));
  return success();
}

LogicalResult QuantizeOp::inferReturnTypes(MLIRContext *ctx,
                                           std::optional<Location> loc,
                                           Adaptor a,
                                           SmallVectorImpl<Type> &results) {
  Diag<QuantizeOp> diag{loc};
  StringRef dtype = a.getOutputDtype();
  if (dtype != "int8" && dtype != "uint8")
    return diag("expects output_dtype int8 or uint8, got '", dtype, "'");
  Type element = parseMilTypeName(ctx, dtype);
  if (Value zp = a.getZeroPoint())
    if (tensorType(zp).getElementType() != element)
      return diag("expects a zero_point of the output dtype ", dtype);
  if (failed(checkSameElementType(diag, "input", a.getInput(), "scale",
                                  a.getScale())) ||
      failed(checkQuantParams(diag, tensorType(a.getInput()), a.getScale(),
                              a.getZeroPoint(), a.getAxis())))
    return failure();
  results.push_back(tensorType(a.getInput()).clone(element));
  return success();
}

LogicalResult DequantizeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor a,
                                             SmallVectorImpl<Type> &results) {
  Diag<DequantizeOp> diag{loc};
  if (Value zp = a.getZeroPoint())
    if (failed(checkSameElementType(diag, "input", a.getInput(), "zero_point",
                                    zp)))
      return failure();
  if (failed(checkQuantParams(diag, tensorType(a.getInput()), a.getScale(),
                              a.getZeroPoint(), a.getAxis())))
    return failure();
  results.push_back(tensorType(a.getInput())
                        .clone(tensorType(a.getScale()).getElementType()));
  return success();
}

LogicalResult ConstexprLutToDenseOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor a,
    SmallVectorImpl<Type> &results) {
  Diag<ConstexprLutToDenseOp> diag{loc};
  auto indices = tensorType(a.getIndices()), lut = tensorType(a.getLut());
  Type element = lut.getElementType();
  if (auto shape = a.getShape()) {
    // iOS16: packed uint8 indices, a flat LUT of 2^nbits entries.
    if (a.getVectorAxis())
      return diag("expects no vector_axis in the iOS16 form (with shape)");
    if (!indices.getElementType().isUnsignedInteger(8) || indices.getRank() != 1)
      return diag("expects packed uint8[M] indices in the iOS16 form");
    if (lut.getRank() != 1)
      return diag("expects a rank-1 lut in the iOS16 form, got rank ",
                  lut.getRank());
    int64_t entries = lut.getDimSize(0);
    int64_t nbits = llvm::Log2_64(entries);
    if (!llvm::is_contained({1, 2, 4, 6, 8}, nbits) || (1ll << nbits) != entries)
      return diag("expects a lut of 2, 4, 16, 64 or 256 entries, got ",
                  entries);
    int64_t count = 1;
    for (int64_t d : *shape) {
      if (d < 1)
        return diag("expects positive dimensions in shape, got ", d);
      count *= d;
    }
    int64_t bytes = llvm::divideCeil(nbits * count, 8);
    if (indices.getDimSize(0) != bytes)
      return diag("expects ", bytes, " bytes of ", nbits, "-bit indices for ",
                  count, " elements, got ", indices.getDimSize(0));
    results.push_back(RankedTensorType::get(*shape, element));
    return success();
  }
  // iOS18: indices shaped like the output, per-group LUTs.
  unsigned nbits = indices.getElementType().getIntOrFloatBitWidth();
  if (lut.getRank() != indices.getRank() + 2)
    return diag("expects a lut of rank indices rank + 2 (",
                indices.getRank() + 2, "), got rank ", lut.getRank());
  if (lut.getShape().end()[-2] != (int64_t(1) << nbits))
    return diag("expects ", int64_t(1) << nbits, " lut entries for ", nbits,
                "-bit indices, got ", lut.getShape().end()[-2]);
  int64_t vectorSize = lut.getShape().back();
  SmallVector<int64_t> shape(indices.getShape());
  for (int64_t i = 0; i < indices.getRank(); ++i)
    if (lut.getDimSize(i) < 1 || indices.getDimSize(i) % lut.getDimSize(i) != 0)
      return diag("expects lut group count ", lut.getDimSize(i),
                  " to divide indices dimension ", i, " (",
                  indices.getDimSize(i), ")");
  if (vectorSize != 1) {
    if (!a.getVectorAxis())
      return diag("expects a vector_axis for vector_size ", vectorSize);
    FailureOr<int64_t> axis =
        normalizeAxis(*a.getVectorAxis(), indices.getRank());
    if (failed(axis))
      return diag("vector_axis ", *a.getVectorAxis(),
                  " is out of range for rank ", indices.getRank());
    shape[*axis] *= vectorSize;
  }
  results.push_back(RankedTensorType::get(shape, element));
  return success();
}

LogicalResult ConstexprBlockwiseShiftScaleOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor a,
    SmallVectorImpl<Type> &results) {
  Diag<ConstexprBlockwiseShiftScaleOp> diag{loc};
  auto data = tensorType(a.getData()), scale = tensorType(a.getScale());
  if (scale.getRank() != data.getRank())
    return diag("expects scale of data's rank (", data.getRank(), "), got ",
                scale.getRank());
  for (int64_t i = 0; i < data.getRank(); ++i)
    if (data.getDimSize(i) % scale.getDimSize(i) != 0)
      return diag("expects scale dimension ", i, " (", scale.getDimSize(i),
                  ") to divide data's (", data.getDimSize(i), ")");
  if (Value offset = a.getOffset()) {
    if (tensorType(offset).getShape() != scale.getShape())
      return diag("expects offset of scale's shape ",
                  shapeToString(scale.getShape()));
    if (failed(checkSameElementType(diag, "data", a.getData(), "offset",
                                    offset)))
      return failure();
  }
  results.push_back(data.clone(scale.getElementType()));
  return success();
}

LogicalResult ReadStateOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>, Adaptor a,
                                            SmallVectorImpl<Type> &results) {
  results.push_back(cast<StateType>(a.getInput().getType()).getWrappedType());
  return success();
}

LogicalResult CoremlUpdateStateOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, Adaptor a,
    SmallVectorImpl<Type> &results) {
  results.push_back(cast<StateType>(a.getState().getType()).getWrappedType());
  return success();
}

LogicalResult SliceUpdateOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor a,
                                              SmallVectorImpl<Type> &results) {
  Diag<SliceUpdateOp> diag{loc};
  auto tx = tensorType(a.getX()), tu = tensorType(a.getUpdate());
  if (failed(checkSameElementType(diag, "x", a.getX(), "update",
                                  a.getUpdate())))
    return failure();
  for (auto [name, v] : {std::pair<StringRef, Value>{"begin", a.getBegin()},
                         std::pair<StringRef, Value>{"end", a.getEnd()}}) {
    auto t = tensorType(v);
    if (t.getRank() != 1 || t.getDimSize(0) != tx.getRank())
      return diag("expects ", name, " of shape [", tx.getRank(), "], got ",
                  shapeToString(t.getShape()));
  }
  // With constant bounds the slice is known and must match update exactly.
  DenseIntElementsAttr begin, end;
  if (matchPattern(a.getBegin(), m_Constant(&begin)) &&
      matchPattern(a.getEnd(), m_Constant(&end))) {
    SmallVector<int64_t> b, e;
    for (const APInt &v : begin.getValues<APInt>())
      b.push_back(v.getSExtValue());
    for (const APInt &v : end.getValues<APInt>())
      e.push_back(v.getSExtValue());
    std::string error;
    FailureOr<StridedSlice> slice =
        computeSliceByIndex(tx.getShape(), b, e, a.getStride(),
                            a.getBeginMask(), a.getEndMask(),
                            a.getSqueezeMask(), error);
    if (failed(slice))
      return diag(error);
    if (ArrayRef<int64_t>(slice->resultShape()) != tu.getShape())
      return diag("expects update ", shapeToString(tu.getShape()),
                  " to match the slice ",
                  shapeToString(slice->resultShape()));
  } else if (tu.getRank() > tx.getRank()) {
    return diag("expects update of rank at most x's (", tx.getRank(), ")");
  }
  results.push_back(tx);
  return success();
}
