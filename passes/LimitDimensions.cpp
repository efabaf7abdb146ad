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

/// Bits [from, from + n) of `data` (LSB-first, as MIL packs sub-byte
/// values), then zero bits up to `total`, as bytes.
std::vector<char> copyBits(ArrayRef<char> data, uint64_t from, uint64_t n, uint64_t total) {
  std::vector<char> out((total + 7) / 8, 0);
  if (from % 8 == 0 && n % 8 == 0) {
    std::copy(data.begin() + from / 8, data.begin() + (from + n) / 8, out.begin());
    return out;
  }
  for (uint64_t i = 0; i < n; ++i)
    if ((data[(from + i) / 8] >> ((from + i) % 8)) & 1)
      out[i / 8] |= (char)(1u << (i % 8));
  return out;
}

/// Rows [begin, begin + count) of a constant [rows, ...] followed by zero
/// rows up to `padded`, as an attribute of shape [padded, ...]; null when it
/// is not a constant. `bitsPerRow` overrides the row size for packed data
/// (an iOS16 LUT's flat uint8 indices): then the slice is bytes. Without
/// padding, a byte-aligned slice of a resource is a view of its data.
ElementsAttr sliceConstantRows(ConstOp c, int64_t begin, int64_t count, int64_t padded,
                               int index, int64_t bitsPerRow = 0) {
  auto type = c.getType();
  Type element = type.getElementType();
  unsigned bits = element.getIntOrFloatBitWidth();
  SmallVector<int64_t> shape(type.getShape());
  uint64_t rowBits = bitsPerRow;
  if (!bitsPerRow) {
    rowBits = (uint64_t)(type.getNumElements() / type.getDimSize(0)) * bits;
    shape[0] = padded;
  } else {
    shape = {(int64_t)((padded * rowBits + 7) / 8)};
  }
  auto sliceType = RankedTensorType::get(shape, element);
  if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return {};
    ArrayRef<char> data = blob->getData();
    uint64_t from = begin * rowBits, n = count * rowBits;
    if ((from + n + 7) / 8 > data.size())
      return {};
    size_t align = std::max<size_t>(1, bits / 8);
    AsmResourceBlob sliced;
    if (padded == count && from % 8 == 0 && n % 8 == 0) {
      // A view into the parent weight's data, which the context keeps alive.
      sliced = UnmanagedAsmResourceBlob::allocateWithAlign(data.slice(from / 8, n / 8), align);
    } else {
      std::vector<char> bytes = copyBits(data, from, n, padded * rowBits);
      sliced = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
    }
    return DenseResourceElementsAttr::get(
        sliceType, absl::StrCat(res.getRawHandle().getKey().str(), ".slice", index),
        std::move(sliced));
  }
  auto dense = dyn_cast<DenseElementsAttr>(c.getVal());
  if (!dense || bitsPerRow)
    return {};
  if (dense.isSplat() && padded == count)
    return dense.resizeSplat(sliceType);
  int64_t cols = type.getNumElements() / type.getDimSize(0);
  SmallVector<Attribute> values(dense.getValues<Attribute>());
  SmallVector<Attribute> kept(ArrayRef<Attribute>(values).slice(begin * cols, count * cols));
  kept.append((padded - count) * cols, Builder(c.getContext()).getZeroAttr(element));
  return DenseElementsAttr::get(sliceType, kept);
}

/// Rows [begin, begin + count) of a constant weight [rows, ...], followed by
/// rows up to `padded` rows (zeros, or for a compressed weight whatever its
/// zero codes decode to: the callers never read padding rows), as a value
/// of shape [padded, ...]; null when the weight is not made of constants.
/// A compressed weight (constexpr_blockwise_shift_scale,
/// constexpr_affine_dequantize, constexpr_lut_to_dense) stays compressed:
/// its data, and its scales or LUTs where they vary along the rows, are
/// sliced, and the same constexpr op decodes the slice.
Value sliceRows(OpBuilder &b, Value weight, int64_t begin, int64_t count, int64_t padded,
                int index) {
  Operation *def = weight.getDefiningOp();
  CastOp widen;
  if ((widen = dyn_cast_or_null<CastOp>(def)))
    def = widen.getX().getDefiningOp();
  if (!def)
    return {};
  Location loc = def->getLoc();
  // Rows of an operand that varies along axis 0 in blocks of `block` rows.
  auto rowsOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getDimSize(0); };
  auto blockRows = [&](Value v, int64_t block) -> Value {
    // Whole blocks only (a short last block ends the parameter).
    if (block < 1 || begin % block || (count % block && begin + count != rowsOf(v) * block))
      return {};
    int64_t pb = (padded + block - 1) / block, cb = (count + block - 1) / block;
    return sliceRows(b, v, begin / block, cb, pb, index);
  };
  SmallVector<int64_t> shape(cast<RankedTensorType>(weight.getType()).getShape());
  shape[0] = padded;
  if (auto c = dyn_cast<ConstOp>(def)) {
    ElementsAttr attr = sliceConstantRows(c, begin, count, padded, index);
    return attr ? createConstantLike(b, c, widen, attr) : Value();
  }
  Value out;
  if (auto q = dyn_cast<ConstexprBlockwiseShiftScaleOp>(def)) {
    Value data = sliceRows(b, q.getData(), begin, count, padded, index);
    int64_t rows = rowsOf(q.getData());
    Value scale = blockRows(q.getScale(), rows / rowsOf(q.getScale()));
    Value offset;
    if (q.getOffset())
      offset = blockRows(q.getOffset(), rows / rowsOf(q.getOffset()));
    if (!data || !scale || (q.getOffset() && !offset))
      return {};
    out = b.create<ConstexprBlockwiseShiftScaleOp>(
        loc, RankedTensorType::get(shape, q.getType().getElementType()), data, scale, offset);
  } else if (auto q = dyn_cast<ConstexprAffineDequantizeOp>(def)) {
    // Scale and zero point are scalars, or vectors along `axis`.
    Value data = sliceRows(b, q.getQuantizedData(), begin, count, padded, index);
    Value zero = q.getZeroPoint(), scale = q.getScale();
    bool perRow = q.getAxis() == 0 && cast<RankedTensorType>(scale.getType()).getRank() == 1 &&
                  rowsOf(scale) > 1;
    if (perRow) {
      zero = rowsOf(zero) > 1 ? sliceRows(b, zero, begin, count, padded, index) : zero;
      scale = sliceRows(b, scale, begin, count, padded, index);
    }
    if (!data || !zero || !scale)
      return {};
    out = b.create<ConstexprAffineDequantizeOp>(
        loc, RankedTensorType::get(shape, q.getType().getElementType()), data, zero, scale,
        q.getAxisAttr());
  } else if (auto lut = dyn_cast<ConstexprLutToDenseOp>(def)) {
    auto lutType = cast<RankedTensorType>(lut.getLut().getType());
    auto resultType = RankedTensorType::get(shape, lut.getType().getElementType());
    if (lut.isIOS16Form()) {
      // Flat packed indices: rows of cols * nbits bits; one LUT.
      auto c = lut.getIndices().getDefiningOp<ConstOp>();
      int64_t entries = lutType.getNumElements();
      int64_t nbits = llvm::Log2_64(entries);
      int64_t cols = cast<RankedTensorType>(weight.getType()).getNumElements() / rowsOf(weight);
      ElementsAttr attr =
          c ? sliceConstantRows(c, begin, count, padded, index, cols * nbits) : ElementsAttr();
      if (!attr)
        return {};
      Value indices = b.create<ConstOp>(c.getLoc(), attr);
      out = b.create<ConstexprLutToDenseOp>(loc, resultType, indices, lut.getLut(),
                                            b.getDenseI64ArrayAttr(shape), nullptr);
    } else {
      // Indices shaped as the weight; LUTs [groups, ..., 2^n, vector].
      if (lut.getVectorAxis() && *lut.getVectorAxis() == 0)
        return {};
      Value indices = sliceRows(b, lut.getIndices(), begin, count, padded, index);
      Value table = lutType.getDimSize(0) == 1
                        ? lut.getLut()
                        : blockRows(lut.getLut(), rowsOf(lut.getIndices()) / lutType.getDimSize(0));
      if (!indices || !table)
        return {};
      out = b.create<ConstexprLutToDenseOp>(loc, resultType, indices, table, nullptr,
                                            lut.getVectorAxisAttr());
    }
  } else {
    return {};
  }
  if (widen)
    out = b.create<CastOp>(widen.getLoc(), out, widen.getDtypeAttr());
  return out;
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
    if (maxDim < 1) {
      fn.emitError("max-dim must be at least 1, got ") << (int64_t)maxDim;
      return signalPassFailure();
    }
    if (alignBytes < 0) {
      fn.emitError("align-bytes must not be negative, got ") << (int64_t)alignBytes;
      return signalPassFailure();
    }
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
               << rows << " rows (above the dimension limit " << (int64_t)maxDim
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
               << out << " outputs (above the dimension limit " << (int64_t)maxDim
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
