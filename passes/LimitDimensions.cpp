//===- LimitDimensions.cpp - keep every dimension within the ANE's limit --===//
//
// The ANE handles no tensor dimension above 16384 on older chips
// (ane-constraints.md); a Llama vocabulary is 128256. A linear layer with
// more outputs than the limit (the LM head) is split into vocabulary slices,
// each with its own slice of the weight (a view of the same weight data, not
// a copy). The slices are returned as a list of outputs (`logits_0`, ...),
// or concatenated back with `concat-outputs` (that concat is then the only
// op above the limit, left for the CPU).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

#include "absl/strings/str_cat.h"

namespace anec {
#define GEN_PASS_DEF_LIMITDIMENSIONS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// Rows [begin, begin + count) of a constant weight [rows, ...], followed by
/// zero rows up to `padded` rows, as a constant of shape [padded, ...];
/// null when the weight is not a plain constant. Without padding the slice is
/// a view of the parent weight's data, not a copy.
Value sliceRows(OpBuilder &b, Value weight, int64_t begin, int64_t count, int64_t padded,
                int index) {
  Operation *def = weight.getDefiningOp();
  CastOp cast;
  if ((cast = dyn_cast_or_null<CastOp>(def)))
    def = cast.getX().getDefiningOp();
  auto c = dyn_cast_or_null<ConstOp>(def);
  if (!c)
    return {};
  auto type = c.getType();
  int64_t cols = type.getNumElements() / type.getDimSize(0);
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = padded;
  auto sliceType = RankedTensorType::get(shape, type.getElementType());
  ElementsAttr attr;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return {};
    unsigned bits = type.getElementType().getIntOrFloatBitWidth();
    if (bits % 8)
      return {};
    ArrayRef<char> data = blob->getData();
    size_t rowBytes = cols * bits / 8;
    ArrayRef<char> rows = data.slice(begin * rowBytes, count * rowBytes);
    AsmResourceBlob sliced;
    if (padded == count) {
      // A view into the parent weight's data, which the context keeps alive.
      sliced = UnmanagedAsmResourceBlob::allocateWithAlign(rows, bits / 8);
    } else {
      sliced = HeapAsmResourceBlob::allocate(padded * rowBytes, bits / 8);
      MutableArrayRef<char> out = sliced.getMutableData();
      std::copy(rows.begin(), rows.end(), out.begin());
      std::fill(out.begin() + rows.size(), out.end(), 0);
    }
    attr = DenseResourceElementsAttr::get(
        sliceType, absl::StrCat(res.getRawHandle().getKey().str(), ".slice", index),
        std::move(sliced));
  } else if (auto dense = dyn_cast<DenseElementsAttr>(c.getVal())) {
    if (dense.isSplat() && padded == count) {
      attr = dense.resizeSplat(sliceType);
    } else {
      SmallVector<Attribute> values(dense.getValues<Attribute>());
      SmallVector<Attribute> kept(
          ArrayRef<Attribute>(values).slice(begin * cols, count * cols));
      Attribute zero = b.getZeroAttr(type.getElementType());
      kept.append((padded - count) * cols, zero);
      attr = DenseElementsAttr::get(sliceType, kept);
    }
  } else {
    return {};
  }
  return createConstantLike(b, c, cast, attr);
}

/// A slice of a dimension: rows [begin, begin + count), stored as `padded`
/// rows (zero rows after the real ones).
struct Slice {
  int64_t begin, count, padded;
};

/// How a dimension of `size` is cut into slices of at most `maxDim`: equal
/// slices of a multiple of `align` elements (so that each slice's last axis
/// is a whole number of 64-byte rows) and a shorter last one, padded to
/// whole rows too.
std::vector<Slice> sliceDimension(int64_t size, int64_t maxDim, int64_t align) {
  int64_t pieces = (size + maxDim - 1) / maxDim;
  int64_t per = (size + pieces - 1) / pieces;
  if (align > 1 && maxDim >= align)
    per = std::min((per + align - 1) / align * align, maxDim / align * align);
  std::vector<Slice> slices;
  for (int64_t begin = 0; begin < size; begin += per) {
    int64_t count = std::min(per, size - begin);
    slices.push_back({begin, count, std::min((count + align - 1) / align * align, maxDim)});
  }
  return slices;
}

Value i32Scalar(OpBuilder &b, Location loc, int64_t v) {
  auto type = RankedTensorType::get({}, b.getI32Type());
  return b.create<ConstOp>(loc, DenseElementsAttr::get(type, b.getI32IntegerAttr((int32_t)v)));
}

/// clamp(x, lo, hi) on integer tensors.
Value clampInt(OpBuilder &b, Location loc, Value x, int64_t lo, int64_t hi) {
  Value low = b.create<MaximumOp>(loc, x, i32Scalar(b, loc, lo));
  return b.create<MinimumOp>(loc, low, i32Scalar(b, loc, hi));
}

struct LimitDimensionsPass : anec::impl::LimitDimensionsBase<LimitDimensionsPass> {
  using LimitDimensionsBase::LimitDimensionsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    SmallVector<LinearOp> wide;
    SmallVector<GatherOp> lookups;
    fn.walk([&](Operation *op) {
      if (auto linear = dyn_cast<LinearOp>(op)) {
        if (linear.getWeight().getType().getDimSize(0) > maxDim)
          wide.push_back(linear);
      } else if (auto gather = dyn_cast<GatherOp>(op)) {
        if (gather.getAxis() == 0 && gather.getX().getType().getDimSize(0) > maxDim)
          lookups.push_back(gather);
      }
    });
    for (LinearOp op : wide)
      if (failed(split(fn, op)))
        return signalPassFailure();
    for (GatherOp op : lookups)
      if (failed(splitLookup(op)))
        return signalPassFailure();
  }

  /// Elements of `type` in 64 bytes (`align-bytes`), the slice granularity.
  int64_t alignElements(Type elementType) const {
    unsigned bits = elementType.getIntOrFloatBitWidth();
    return alignBytes > 0 && bits >= 8 ? std::max<int64_t>(1, alignBytes * 8 / bits) : 1;
  }

  /// An embedding lookup in a table of more rows than the limit: one lookup
  /// per slice of rows, each with its indices clamped into the slice; the
  /// row of the slice a token falls in is then picked by a second lookup
  /// (batched over the tokens) from the stacked rows. Only selections, no
  /// arithmetic on the rows: the result is the unsplit lookup, bit for bit.
  LogicalResult splitLookup(GatherOp op) {
    Value ids = op.getIndices();
    auto idsType = cast<RankedTensorType>(ids.getType());
    if (!idsType.getElementType().isSignlessInteger(32))
      return op.emitError("an embedding lookup into a table above the dimension limit needs "
                          "int32 indices");
    if (op.getBatchDims() != 0)
      return op.emitError("an embedding lookup with batch_dims is not split");
    OpBuilder b(op);
    Location loc = op.getLoc();
    int64_t rows = op.getX().getType().getDimSize(0);
    Type element = op.getType().getElementType();
    // Sliced as the LM head is, so that a tied table and head share slices.
    int64_t align = alignElements(element);
    int64_t rank = idsType.getRank();
    SmallVector<Value> parts;
    Value which; // the slice each token falls in
    for (auto [k, slice] : llvm::enumerate(sliceDimension(rows, maxDim, align))) {
      auto [begin, count, padded] = slice;
      Value table = sliceRows(b, op.getX(), begin, count, padded, (int)k);
      if (!table)
        return op.emitError("the table of an embedding lookup with ")
               << rows << " rows (above the dimension limit " << maxDim
               << ") is not a constant that can be sliced";
      Value local = begin == 0 ? ids : b.create<SubOp>(loc, ids, i32Scalar(b, loc, begin));
      local = clampInt(b, loc, local, 0, count - 1);
      Value part = b.create<GatherOp>(loc, table, local, 0, 0);
      SmallVector<int64_t> axes = {rank};
      parts.push_back(b.create<ExpandDimsOp>(loc, part, axes));
      if (k > 0) {
        // 1 where id >= begin.
        Value above =
            clampInt(b, loc, b.create<SubOp>(loc, ids, i32Scalar(b, loc, begin - 1)), 0, 1);
        which = which ? Value(b.create<AddOp>(loc, which, above)) : above;
      }
    }
    Value stacked = b.create<ConcatOp>(loc, parts, rank, false);
    Value row = b.create<GatherOp>(loc, stacked, which, rank, rank);
    ++numSplitLookups;
    op.replaceAllUsesWith(row);
    op.erase();
    return success();
  }

  LogicalResult split(func::FuncOp fn, LinearOp op) {
    OpBuilder b(op);
    int64_t out = op.getWeight().getType().getDimSize(0);
    int64_t align = alignElements(op.getType().getElementType());
    int64_t lastAxis = op.getType().getRank() - 1;
    SmallVector<Value> slices;
    for (auto [k, rows] : llvm::enumerate(sliceDimension(out, maxDim, align))) {
      // A short last slice is padded with zero rows to whole 64-byte rows,
      // and its result sliced back.
      auto [begin, count, padded] = rows;
      Value w = sliceRows(b, op.getWeight(), begin, count, padded, (int)k);
      if (!w)
        return op.emitError("the weight of a linear layer with ")
               << out << " outputs (above the dimension limit " << maxDim
               << ") is not a constant that can be sliced";
      Value bias;
      if (op.getBias()) {
        SmallVector<int64_t> bb = {begin}, bs = {count};
        bias = b.create<SliceBySizeOp>(op.getLoc(), op.getBias(), bb, bs);
        if (padded != count) {
          SmallVector<int64_t> pad = {0, padded - count};
          bias = b.create<PadOp>(op.getLoc(), bias, pad, "constant", llvm::APFloat(0.0f));
        }
      }
      Value slice = b.create<LinearOp>(op.getLoc(), op.getX(), w, bias);
      if (padded != count) {
        auto shape = cast<RankedTensorType>(slice.getType()).getShape();
        SmallVector<int64_t> begins(shape.size(), 0), sizes(shape);
        sizes[lastAxis] = count;
        slice = b.create<SliceBySizeOp>(op.getLoc(), slice, begins, sizes);
      }
      slices.push_back(slice);
    }
    ++numSplit;
    auto ret = dyn_cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    bool onlyReturned = llvm::all_of(op->getUsers(), [](Operation *u) { return isa<func::ReturnOp>(u); });
    if (concatOutputs || !onlyReturned || !op->hasOneUse()) {
      Value cat = b.create<ConcatOp>(op.getLoc(), slices, lastAxis, false);
      op.replaceAllUsesWith(cat);
      op.erase();
      return success();
    }
    // Replace the function result by the list of slices.
    unsigned index = op->use_begin()->getOperandNumber();
    std::string base = "output";
    if (auto n = fn.getResultAttrOfType<StringAttr>(index, "mil.name"))
      base = n.str();
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Type> types(fn.getResultTypes());
    SmallVector<DictionaryAttr> attrs;
    for (unsigned i = 0; i < fn.getNumResults(); ++i)
      attrs.push_back(fn.getResultAttrDict(i));
    results.erase(results.begin() + index);
    types.erase(types.begin() + index);
    attrs.erase(attrs.begin() + index);
    for (auto [k, s] : llvm::enumerate(slices)) {
      results.insert(results.begin() + index + k, s);
      types.insert(types.begin() + index + k, s.getType());
      attrs.insert(attrs.begin() + index + k,
                   b.getDictionaryAttr(b.getNamedAttr(
                       "mil.name", b.getStringAttr(absl::StrCat(base, "_", k)))));
    }
    ret->setOperands(results);
    fn.setType(FunctionType::get(fn.getContext(), fn.getArgumentTypes(), types));
    fn.setAllResultAttrs(attrs);
    op.erase();
    return success();
  }
};

} // namespace
