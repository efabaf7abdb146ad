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

/// Rows [begin, begin + count) of a constant weight [rows, cols], without
/// copying resource data; null when the weight is not a plain constant.
Value sliceRows(OpBuilder &b, Value weight, int64_t begin, int64_t count, int index) {
  Operation *def = weight.getDefiningOp();
  CastOp cast;
  if ((cast = dyn_cast_or_null<CastOp>(def)))
    def = cast.getX().getDefiningOp();
  auto c = dyn_cast_or_null<ConstOp>(def);
  if (!c)
    return {};
  auto type = c.getType();
  int64_t cols = type.getNumElements() / type.getDimSize(0);
  auto sliceType = RankedTensorType::get({count, cols}, type.getElementType());
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
    // A view into the parent weight's data, which the context keeps alive.
    AsmResourceBlob view = UnmanagedAsmResourceBlob::allocateWithAlign(
        data.slice(begin * rowBytes, count * rowBytes), bits / 8);
    attr = DenseResourceElementsAttr::get(
        sliceType, absl::StrCat(res.getRawHandle().getKey().str(), ".slice", index),
        std::move(view));
  } else if (auto dense = dyn_cast<DenseElementsAttr>(c.getVal())) {
    if (dense.isSplat()) {
      attr = dense.resizeSplat(sliceType);
    } else {
      SmallVector<Attribute> values(dense.getValues<Attribute>());
      attr = DenseElementsAttr::get(
          sliceType, ArrayRef<Attribute>(values).slice(begin * cols, count * cols));
    }
  } else {
    return {};
  }
  Value v = b.create<ConstOp>(c.getLoc(), attr);
  if (cast)
    v = b.create<CastOp>(cast.getLoc(), v, cast.getDtypeAttr());
  return v;
}

struct LimitDimensionsPass : anec::impl::LimitDimensionsBase<LimitDimensionsPass> {
  using LimitDimensionsBase::LimitDimensionsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    SmallVector<LinearOp> wide;
    fn.walk([&](LinearOp op) {
      if (op.getWeight().getType().getDimSize(0) > maxDim)
        wide.push_back(op);
    });
    for (LinearOp op : wide)
      if (failed(split(fn, op)))
        return signalPassFailure();
  }

  LogicalResult split(func::FuncOp fn, LinearOp op) {
    OpBuilder b(op);
    int64_t out = op.getWeight().getType().getDimSize(0);
    int64_t pieces = (out + maxDim - 1) / maxDim;
    int64_t per = (out + pieces - 1) / pieces;
    SmallVector<Value> slices;
    for (int64_t k = 0, begin = 0; begin < out; ++k, begin += per) {
      int64_t count = std::min(per, out - begin);
      Value w = sliceRows(b, op.getWeight(), begin, count, (int)k);
      if (!w)
        return op.emitError("the weight of a linear layer with ")
               << out << " outputs (above the dimension limit " << maxDim
               << ") is not a constant that can be sliced";
      Value bias;
      if (op.getBias()) {
        SmallVector<int64_t> bb = {begin}, bs = {count};
        bias = b.create<SliceBySizeOp>(op.getLoc(), op.getBias(), bb, bs);
      }
      slices.push_back(b.create<LinearOp>(op.getLoc(), op.getX(), w, bias));
    }
    ++numSplit;
    auto ret = dyn_cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    bool onlyReturned = llvm::all_of(op->getUsers(), [](Operation *u) { return isa<func::ReturnOp>(u); });
    if (concatOutputs || !onlyReturned || !op->hasOneUse()) {
      int64_t axis = op.getType().getRank() - 1;
      Value cat = b.create<ConcatOp>(op.getLoc(), slices, axis, false);
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
