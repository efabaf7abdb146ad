//===- AttentionChannelsFirst.cpp - attention heads in (B, H, D, S) --------===//
//
// After anec-channels-first the residual stream is (1, C, 1, S), but each
// attention head still leaves it: q, k and v are transposed out of their
// convs into (1, H, S, D), the KV cache is stored in (S, D) rows, and the
// heads' output is transposed back into o_proj. This pass carries the heads
// channels-first too, as (1, H, D, S) -- the conv's output reshaped, no data
// moved -- and stores the KV-cache states as (1, H, D, max_S):
//   scores = matmul(q, K, transpose_x)            (S, max_S), softmax as before
//   out    = matmul(V, softmax(scores), transpose_y)  (D, S), reshaped into o_proj
// The one transpose is in the first matmul (q's, (D, S) as a matrix). Every
// last axis is then a sequence axis (S or max_S) and never the head width,
// so heads narrower than 32 elements need no padding, and new keys and
// values are written into the cache as they come out of the conv.
//
// How: every value v of rank >= 2 may get a shadow, swapped(v): v with its
// last two axes exchanged. Shadows start where a chain of reshapes and
// transposes turns a channels-first conv output into (1, H, S, D) (checked by
// running the chain on element indices, so any spelling of it is found), and
// at states stored swapped. They are carried through element-wise ops,
// slices, concats, tiles, reshapes of leading axes, softmax, layer_norm and
// slice_update; a matmul reads its operands' shadows through its transpose
// flags; a lookup of rows of a constant table (the rotary cos and sin) is a
// lookup of columns of the table transposed at compile time. Where a
// chain of reshapes and transposes of a shadowed value is its shadow
// reshaped (the heads back into o_proj), it becomes that reshape. Ops with no
// rule keep using the original values, and ops no longer used are erased.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <numeric>

namespace anec {
#define GEN_PASS_DEF_ATTENTIONCHANNELSFIRST
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

SmallVector<int64_t> swapLastTwo(ArrayRef<int64_t> v) {
  SmallVector<int64_t> s(v);
  std::swap(s[s.size() - 1], s[s.size() - 2]);
  return s;
}

SmallVector<int64_t> swapPerm(int64_t rank) {
  SmallVector<int64_t> p(rank);
  std::iota(p.begin(), p.end(), 0);
  return swapLastTwo(p);
}

/// Element indices of a tensor of `shape` after `perm`: the flat position in
/// the input of each element of the output, in output order.
SmallVector<int64_t> permuteIndices(ArrayRef<int64_t> idx, ArrayRef<int64_t> shape,
                                    ArrayRef<int64_t> perm) {
  int64_t rank = shape.size();
  SmallVector<int64_t> stride(rank, 1), outShape(rank);
  for (int64_t i = rank - 2; i >= 0; --i)
    stride[i] = stride[i + 1] * shape[i + 1];
  for (int64_t i = 0; i < rank; ++i)
    outShape[i] = shape[perm[i]];
  SmallVector<int64_t> out(idx.size()), pos(rank, 0);
  int64_t at = 0; // the input position of the output element at pos
  for (size_t k = 0; k < idx.size(); ++k) {
    out[k] = idx[at];
    for (int64_t i = rank - 1; i >= 0; --i) {
      at += stride[perm[i]];
      if (++pos[i] < outShape[i])
        break;
      at -= outShape[i] * stride[perm[i]];
      pos[i] = 0;
    }
  }
  return out;
}

SmallVector<int64_t> iotaOf(int64_t n) {
  SmallVector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// Index arrays are built for the views of at most this many elements.
constexpr int64_t kMaxViewElements = 1 << 22;

/// Constant tables transposed at compile time hold at most this many
/// elements (rotary tables: positions × head width, 0.5 M at 4096 × 128).
constexpr int64_t kMaxTableElements = 1 << 22;

bool isView(Operation *op) { return op && isa<ReshapeOp, TransposeOp>(op); }

RankedTensorType tensorType(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

/// A KV-cache state worth storing swapped: rank 4, float, a last axis (the
/// head width) shorter than the one before it (the positions).
bool isSwappableStateType(Type type) {
  auto s = dyn_cast<StateType>(type);
  auto t = s ? dyn_cast<RankedTensorType>(s.getWrappedType()) : RankedTensorType();
  return t && t.getRank() == 4 && t.hasStaticShape() && isa<FloatType>(t.getElementType()) &&
         t.getDimSize(3) < t.getDimSize(2);
}

class HeadsChannelsFirst {
public:
  void run(func::FuncOp fn, const llvm::StringSet<> &swappedStates) {
    // The states stored swapped change type first; their reads and writes
    // are rebuilt below.
    SmallVector<Type> inputs(fn.getArgumentTypes());
    for (BlockArgument arg : fn.getArguments()) {
      auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.state_name");
      if (!name || !swappedStates.contains(name.getValue()) ||
          !isSwappableStateType(arg.getType()))
        continue;
      auto t = cast<RankedTensorType>(cast<StateType>(arg.getType()).getWrappedType());
      Type swapped = StateType::get(fn.getContext(),
                                    RankedTensorType::get(swapLastTwo(t.getShape()),
                                                          t.getElementType()));
      arg.setType(swapped);
      inputs[arg.getArgNumber()] = swapped;
      ++numStates;
    }
    fn.setType(FunctionType::get(fn.getContext(), inputs, fn.getResultTypes()));

    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops)
      visit(op);

    // The originals the shadows replaced are dead now.
    for (bool erased = true; erased;) {
      erased = false;
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(fn.getBody().front())))
        if (isOpTriviallyDead(&op)) {
          op.erase();
          erased = true;
        }
    }
  }

  int64_t numStates = 0, numEntries = 0, numExits = 0, numMatmuls = 0, numTransposes = 0;

private:
  llvm::DenseMap<Value, Value> shadow; // v -> v with its last two axes swapped
  llvm::DenseMap<Value, Value> columns; // a vector -> the same as a column

  /// The axis of the shadow that is `axis` of the original.
  static int64_t swappedAxis(int64_t axis, int64_t rank) {
    axis = axis < 0 ? axis + rank : axis;
    return axis == rank - 1 ? rank - 2 : axis == rank - 2 ? rank - 1 : axis;
  }

  Value transposeLastTwo(OpBuilder &b, Location loc, Value v) {
    return b.create<TransposeOp>(loc, v, swapPerm(tensorType(v).getRank()));
  }

  /// swapped(v) for an operand: its shadow, the value itself where the
  /// swap moves nothing (a scalar, last two axes of 1), a vector along the
  /// last axis as a column, else a transpose (each made once, after v).
  Value swappedOperand(Value v) {
    if (Value s = shadow.lookup(v))
      return s;
    if (Value c = columns.lookup(v))
      return c;
    RankedTensorType t = tensorType(v);
    if (!t)
      return {};
    if (t.getRank() == 0)
      return v;
    if (t.getRank() == 1 && t.getDimSize(0) == 1)
      return v;
    if (t.getRank() >= 2 && t.getDimSize(t.getRank() - 1) == 1 &&
        t.getDimSize(t.getRank() - 2) == 1)
      return v;
    OpBuilder b(v.getContext());
    b.setInsertionPointAfterValue(v);
    // A vector along the last axis (a norm's gamma over D) becomes a column.
    Value s = t.getRank() == 1
                  ? b.create<ReshapeOp>(v.getLoc(), v, ArrayRef<int64_t>{t.getDimSize(0), 1})
                        .getResult()
                  : transposeLastTwo(b, v.getLoc(), v);
    if (t.getRank() == 1) {
      columns[v] = s;
      return s;
    }
    shadow[v] = s;
    ++numTransposes;
    return s;
  }

  bool hasShadowedOperand(Operation *op) {
    return llvm::any_of(op->getOperands(), [&](Value v) { return shadow.count(v); });
  }

  void visit(Operation *op) {
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    llvm::TypeSwitch<Operation *>(op)
        .Case<ReshapeOp, TransposeOp>([&](Operation *o) { view(b, o); })
        .Case<AddOp, SubOp, MulOp, RealDivOp, MaximumOp, MinimumOp, PowOp, SqrtOp, ExpOp,
              SquareOp, TanhOp, SigmoidOp, SiluOp, ReluOp, AbsOp, RsqrtOp, CastOp>(
            [&](Operation *o) { elementwise(b, o); })
        .Case([&](SliceBySizeOp o) { slice(b, o); })
        .Case([&](ConcatOp o) { concat(b, o); })
        .Case([&](TileOp o) { tile(b, o); })
        .Case([&](SoftmaxOp o) { softmax(b, o); })
        .Case([&](LayerNormOp o) { layerNorm(b, o); })
        .Case([&](MatmulOp o) { matmul(b, o); })
        .Case([&](SliceUpdateOp o) { sliceUpdate(b, o); })
        .Case([&](GatherOp o) { lookup(b, o); })
        .Case([&](ReadStateOp o) { readState(b, o); })
        .Case([&](CoremlUpdateStateOp o) { updateState(b, o); });
  }

  //===--------------------------------------------------------------------===//
  // Views: where shadows start and where they are used
  //===--------------------------------------------------------------------===//

  /// The chain of reshapes and transposes that makes `v`, outermost last,
  /// with the value it starts from.
  std::pair<Value, SmallVector<Operation *>> viewChain(Value v) {
    SmallVector<Operation *> chain;
    while (isView(v.getDefiningOp()) && chain.size() < 8) {
      chain.push_back(v.getDefiningOp());
      v = v.getDefiningOp()->getOperand(0);
    }
    std::reverse(chain.begin(), chain.end());
    return {v, chain};
  }

  /// Where each element of the chain's result comes from in its input.
  static SmallVector<int64_t> runChain(ArrayRef<Operation *> chain, SmallVector<int64_t> idx) {
    for (Operation *op : chain)
      if (auto t = dyn_cast<TransposeOp>(op))
        idx = permuteIndices(idx, tensorType(t.getX()).getShape(), t.getPerm());
    return idx;
  }

  void view(OpBuilder &b, Operation *op) {
    Value v = op->getResult(0);
    RankedTensorType vt = tensorType(v);
    if (!vt || vt.getRank() < 2 || !vt.hasStaticShape() ||
        vt.getNumElements() > kMaxViewElements)
      return;
    auto [base, chain] = viewChain(v);
    // Exit: the chain from a shadowed value (nearest first) is its shadow
    // reshaped, e.g. the heads (1, H, D, S) as o_proj's input
    // (1, H·D, 1, S). Into a conv only: with unit axes, decode's
    // (1, H, 1, D) heads would match too. (A view's input has v's element
    // count, so static shapes all along.)
    bool intoConv = llvm::any_of(v.getUses(), [](OpOperand &use) {
      return isa<ConvOp>(use.getOwner()) && use.getOperandNumber() == 0;
    });
    for (size_t i = chain.size(); intoConv && i-- > 0;) {
      Value from = chain[i]->getOperand(0);
      Value s = shadow.lookup(from);
      RankedTensorType ft = tensorType(from);
      // Cheap first: the shadow's last axis must be v's.
      if (!s || ft.getRank() < 2 || ft.getDimSize(ft.getRank() - 2) != vt.getShape().back())
        continue;
      SmallVector<int64_t> got =
          runChain(ArrayRef(chain).drop_front(i), iotaOf(ft.getNumElements()));
      SmallVector<int64_t> want =
          permuteIndices(iotaOf(ft.getNumElements()), ft.getShape(), swapPerm(ft.getRank()));
      if (got != want)
        continue;
      Value y = s.getType() == v.getType()
                    ? s
                    : b.create<ReshapeOp>(op->getLoc(), s, vt.getShape()).getResult();
      v.replaceAllUsesWith(y);
      ++numExits;
      return;
    }
    // A reshape of the leading axes only (the heads repeated for grouped
    // queries): the same reshape of the shadow.
    if (auto r = dyn_cast<ReshapeOp>(op)) {
      RankedTensorType xt = tensorType(r.getX());
      if (Value s = shadow.lookup(r.getX());
          s && xt.getRank() >= 2 && xt.getShape().take_back(2) == vt.getShape().take_back(2)) {
        shadow[v] = b.create<ReshapeOp>(op->getLoc(), s, swapLastTwo(vt.getShape()));
        return;
      }
    }
    // Entry: v is (…, S, D) made from a channels-first (1, C, 1, S) value
    // whose elements, in order, are v's swapped: the shadow is that value
    // reshaped, and moves nothing. Only at the end of a chain, and for
    // heads (rank 4).
    bool lastView = llvm::any_of(v.getUsers(), [](Operation *u) { return !isView(u); });
    RankedTensorType bt = tensorType(base);
    if (!lastView || vt.getRank() != 4 || !bt || bt.getRank() != 4 ||
        bt.getDimSize(0) != 1 || bt.getDimSize(2) != 1 || shadow.count(base) ||
        !isa<FloatType>(bt.getElementType()) || vt.getDimSize(2) != bt.getDimSize(3))
      return;
    SmallVector<int64_t> got = runChain(chain, iotaOf(bt.getNumElements()));
    if (permuteIndices(got, vt.getShape(), swapPerm(vt.getRank())) != iotaOf(got.size()))
      return;
    shadow[v] = b.create<ReshapeOp>(op->getLoc(), base, swapLastTwo(vt.getShape()));
    ++numEntries;
  }

  //===--------------------------------------------------------------------===//
  // Carrying shadows
  //===--------------------------------------------------------------------===//

  /// An op whose axes are those of its result, rebuilt on swapped operands.
  void elementwise(OpBuilder &b, Operation *op) {
    RankedTensorType t = tensorType(op->getResult(0));
    if (!t || t.getRank() < 2 || !hasShadowedOperand(op))
      return;
    SmallVector<Value> operands;
    for (Value v : op->getOperands()) {
      // A lower-rank operand broadcasts over the leading axes: its last two
      // axes (or its one, as a column) line up with the result's swapped.
      Value s = swappedOperand(v);
      if (!s)
        return;
      operands.push_back(s);
    }
    if (Operation *y = rebuildWithOperands(b, op, operands))
      shadow[op->getResult(0)] = y->getResult(0);
  }

  void slice(OpBuilder &b, SliceBySizeOp op) {
    Value s = shadow.lookup(op.getX());
    if (!s)
      return;
    shadow[op] = b.create<SliceBySizeOp>(op.getLoc(), s, swapLastTwo(op.getBegin()),
                                         swapLastTwo(op.getSize()));
  }

  void concat(OpBuilder &b, ConcatOp op) {
    int64_t rank = op.getType().getRank();
    if (rank < 2 || op.getInterleave() || !hasShadowedOperand(op))
      return;
    int64_t axis = swappedAxis(op.getAxis(), rank);
    SmallVector<Value> values;
    for (Value v : op.getValues()) {
      Value s = swappedOperand(v);
      if (!s)
        return;
      values.push_back(s);
    }
    shadow[op] = b.create<ConcatOp>(op.getLoc(), values, axis, false);
  }

  void tile(OpBuilder &b, TileOp op) {
    if (Value s = shadow.lookup(op.getX()))
      shadow[op] = b.create<TileOp>(op.getLoc(), s, swapLastTwo(op.getReps()));
  }

  void softmax(OpBuilder &b, SoftmaxOp op) {
    Value s = shadow.lookup(op.getX());
    if (!s)
      return;
    int64_t rank = op.getType().getRank();
    int64_t axis = swappedAxis(op.getAxis(), rank);
    shadow[op] = b.create<SoftmaxOp>(op.getLoc(), s, axis);
  }

  /// Over one axis (a per-head norm over D, e.g. Qwen3's q/k norms): the
  /// same axis of the shadow; gamma and beta have that axis's shape still.
  void layerNorm(OpBuilder &b, LayerNormOp op) {
    Value s = shadow.lookup(op.getX());
    int64_t rank = op.getType().getRank();
    if (!s || op.getAxes().size() != 1 || rank < 2)
      return;
    int64_t axis = swappedAxis(op.getAxes()[0], rank);
    shadow[op] = b.create<LayerNormOp>(op.getLoc(), s, op.getGamma(), op.getBeta(),
                                       ArrayRef<int64_t>{axis}, op.getEpsilon());
  }

  /// R = op(x)·op(y). With xs, ys each the operand or its shadow:
  ///   R  = matmul(xs, ys, tx ^ x swapped, ty ^ y swapped)
  ///   Rᵀ = matmul(ys, xs, !ty ^ y swapped, !tx ^ x swapped)
  /// R's last axis is a shadowed y's head axis when y is not transposed:
  /// then Rᵀ is made and is R's shadow (the attention output, (D, S));
  /// otherwise R itself replaces the op (the scores, (S, max_S)).
  void matmul(OpBuilder &b, MatmulOp op) {
    int64_t rank = op.getType().getRank();
    Value xs = shadow.lookup(op.getX()), ys = shadow.lookup(op.getY());
    if (rank < 2 || (!xs && !ys) || tensorType(op.getX()).getRank() < 2 ||
        tensorType(op.getY()).getRank() < 2)
      return;
    bool xSwapped = bool(xs), ySwapped = bool(ys);
    if (!xs)
      xs = op.getX();
    if (!ys)
      ys = op.getY();
    bool tx = op.getTransposeX(), ty = op.getTransposeY();
    ++numMatmuls;
    if (ySwapped && !ty) {
      shadow[op] = b.create<MatmulOp>(op.getLoc(), ys, xs, !ty ^ ySwapped, !tx ^ xSwapped);
      return;
    }
    Value r = b.create<MatmulOp>(op.getLoc(), xs, ys, tx ^ xSwapped, ty ^ ySwapped);
    op.replaceAllUsesWith(r);
  }

  /// Rows of a table known at compile time (the rotary cos and sin at the
  /// positions): the shadow is a lookup along the columns of the table
  /// transposed, so no transpose runs per call.
  void lookup(OpBuilder &b, GatherOp op) {
    auto table = dyn_cast<RankedTensorType>(op.getX().getType());
    auto ids = dyn_cast<RankedTensorType>(op.getIndices().getType());
    Operation *def = op.getX().getDefiningOp();
    // Small tables only: a copy is made whether or not the shadow is used,
    // and an embedding (ids of rank 1 in a foreign program) can be 0.5 GB.
    if (!table || !ids || table.getRank() != 2 || ids.getRank() != 1 || op.getAxis() != 0 ||
        op.getBatchDims() != 0 || !table.hasStaticShape() ||
        table.getNumElements() > kMaxTableElements || !def || !isComputedAtCompileTime(def))
      return;
    OpBuilder at(op);
    Value columns = transposedConstant(at, op.getX());
    if (!columns)
      columns = transposeLastTwo(at, op.getLoc(), op.getX());
    shadow[op] = b.create<GatherOp>(op.getLoc(), columns, op.getIndices(), 1, 0);
  }

  /// A 2-D constant (or a cast of one) transposed now, as a new constant
  /// (and the same cast); null when its values cannot be read.
  static Value transposedConstant(OpBuilder &b, Value v) {
    auto cast = v.getDefiningOp<CastOp>();
    auto c = (cast ? cast.getX() : v).getDefiningOp<ConstOp>();
    if (!c || c.getType().getRank() != 2)
      return {};
    RankedTensorType type = c.getType();
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    auto swapped = RankedTensorType::get({cols, rows}, type.getElementType());
    ElementsAttr attr;
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getVal())) {
      AsmResourceBlob *blob = res.getRawHandle().getBlob();
      unsigned bits = type.getElementType().getIntOrFloatBitWidth();
      if (!blob || bits % 8 || blob->getData().size() != size_t(rows * cols * bits / 8))
        return {};
      size_t e = bits / 8;
      ArrayRef<char> in = blob->getData();
      AsmResourceBlob out = HeapAsmResourceBlob::allocate(in.size(), e);
      MutableArrayRef<char> o = out.getMutableData();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t k = 0; k < cols; ++k)
          std::copy_n(in.begin() + (r * cols + k) * e, e, o.begin() + (k * rows + r) * e);
      attr = DenseResourceElementsAttr::get(
          swapped, (res.getRawHandle().getKey() + ".transposed").str(), std::move(out));
    } else if (auto dense = dyn_cast<DenseElementsAttr>(c.getVal())) {
      if (dense.isSplat()) {
        attr = dense.resizeSplat(swapped);
      } else {
        SmallVector<Attribute> values(dense.getValues<Attribute>()), t(values.size());
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t k = 0; k < cols; ++k)
            t[k * rows + r] = values[r * cols + k];
        attr = DenseElementsAttr::get(swapped, t);
      }
    } else {
      return {};
    }
    return createConstantLike(b, c, cast, attr);
  }

  /// The write into a swapped cache: the update swapped, begin and end with
  /// their last two entries exchanged.
  void sliceUpdate(OpBuilder &b, SliceUpdateOp op) {
    Value xs = shadow.lookup(op.getX());
    int64_t rank = op.getType().getRank();
    if (!xs || rank < 2 || op.getStride() || op.getBeginMask() || op.getEndMask() ||
        op.getSqueezeMask())
      return;
    Value update = swappedOperand(op.getUpdate());
    if (!update)
      return;
    auto indices = RankedTensorType::get({rank}, b.getI32Type());
    SmallVector<int32_t> perm;
    for (int64_t i : swapPerm(rank))
      perm.push_back(i);
    Value p = b.create<ConstOp>(op.getLoc(), DenseElementsAttr::get(indices, ArrayRef(perm)));
    Value begin = b.create<GatherOp>(op.getLoc(), op.getBegin(), p, 0, 0);
    Value end = b.create<GatherOp>(op.getLoc(), op.getEnd(), p, 0, 0);
    shadow[op] = b.create<SliceUpdateOp>(op.getLoc(), xs, update, begin, end, nullptr, nullptr,
                                         nullptr, nullptr);
  }

  /// A read of a swapped state: the new read is the shadow; the original
  /// value, where still used, is its transpose.
  void readState(OpBuilder &b, ReadStateOp op) {
    if (op.getType() == cast<StateType>(op.getInput().getType()).getWrappedType())
      return;
    Value read = b.create<ReadStateOp>(op.getLoc(), op.getInput());
    replaceBySwapped(b, op, read);
  }

  /// A write of a swapped state stores the value's shadow.
  void updateState(OpBuilder &b, CoremlUpdateStateOp op) {
    if (op.getValue().getType() == cast<StateType>(op.getState().getType()).getWrappedType())
      return;
    Value value = swappedOperand(op.getValue());
    Value stored = b.create<CoremlUpdateStateOp>(op.getLoc(), op.getState(), value);
    replaceBySwapped(b, op, stored);
  }

  void replaceBySwapped(OpBuilder &b, Operation *op, Value swapped) {
    Value original = transposeLastTwo(b, op->getLoc(), swapped);
    op->getResult(0).replaceAllUsesWith(original);
    op->erase();
    shadow[original] = swapped;
  }
};

struct AttentionChannelsFirstPass
    : anec::impl::AttentionChannelsFirstBase<AttentionChannelsFirstPass> {
  using AttentionChannelsFirstBase::AttentionChannelsFirstBase;
  void runOnOperation() override {
    if (kvLayout != "channels-first" && kvLayout != "unaligned" && kvLayout != "sequence-major") {
      getOperation().emitError() << "kv-layout must be channels-first, unaligned or "
                                    "sequence-major, not '" << kvLayout << "'";
      return signalPassFailure();
    }
    auto wanted = [&](Type type) {
      if (kvLayout == "sequence-major" || !isSwappableStateType(type))
        return false;
      auto t = cast<RankedTensorType>(cast<StateType>(type).getWrappedType());
      int64_t rowBytes = t.getDimSize(3) * t.getElementType().getIntOrFloatBitWidth() / 8;
      return kvLayout == "channels-first" || alignBytes <= 0 || rowBytes % alignBytes != 0;
    };
    // A state is stored swapped in every function or in none: those with
    // the same name are one state of the program.
    llvm::StringSet<> swappable, kept;
    for (auto fn : getOperation().getOps<func::FuncOp>())
      for (BlockArgument arg : fn.getArguments()) {
        auto name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.state_name");
        if (!name || !isa<StateType>(arg.getType()))
          continue;
        bool ok = wanted(arg.getType()) &&
                  llvm::all_of(arg.getUsers(), [&](Operation *u) {
                    // Read and written in the function's body (not inside
                    // a segment, which this pass does not enter).
                    return isa<ReadStateOp, CoremlUpdateStateOp>(u) &&
                           u->getBlock() == &fn.getBody().front();
                  });
        (ok ? swappable : kept).insert(name.getValue());
      }
    llvm::StringSet<> swapped;
    for (const auto &s : swappable)
      if (!kept.contains(s.getKey()))
        swapped.insert(s.getKey());
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      HeadsChannelsFirst pass;
      pass.run(fn, swapped);
      numStates += pass.numStates;
      numEntries += pass.numEntries;
      numExits += pass.numExits;
      numMatmuls += pass.numMatmuls;
      numTransposes += pass.numTransposes;
    }
  }
};

} // namespace
