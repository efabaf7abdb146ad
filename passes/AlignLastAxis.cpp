//===- AlignLastAxis.cpp - last axes in whole 64-byte rows ----------------===//
//
// The ANE lays out the last axis of every buffer in whole 64-byte rows
// (ane-constraints.md): 32 fp16 elements. A shorter last axis is padded by
// the hardware anyway; this pass makes the padding explicit so that every
// op sees an aligned last axis, and keeps it out of every result.
//
// Padding starts where an op would produce an unaligned last axis from
// aligned inputs: a transpose that moves a short axis last (decode's S = 1
// in (B, C, 1, S)) pads its input along that axis first; a lookup into a
// constant table pads the table. A padded value then flows through the ops
// that can carry it (element-wise, casts, transposes, reshapes that keep the
// axis whole, slices that keep it, concats along other axes, 1×1 convs,
// matmuls, softmax and reductions), each rebuilt on padded operands; the
// axis may move away from the last position (a transpose) and back.
// Reductions, softmax and matmul contractions over a padded axis give the
// unpadded answer exactly: the padding is known to be zero there (sums and
// matmuls add zeros; means divide by the real count; softmax adds −inf to
// the padding first). Where a padded value meets an op with no such rule,
// or a function result, it is sliced back to its real size.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"

#include "llvm/ADT/TypeSwitch.h"

#include <fmt/format.h>

#include <limits>

namespace anec {
#define GEN_PASS_DEF_ALIGNLASTAXIS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// A value computed padded: `value` has `axis` extended beyond the real
/// `size`; `zero` when the padding elements are known to be 0.
struct Padded {
  Value value;
  int64_t axis;
  int64_t size;
  bool zero;
};

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

/// Bytes of activations in `fn`: packed, and as the ANE lays them out (each
/// last-axis row rounded up to whole 64-byte rows).
struct Footprint {
  int64_t packed = 0, laidOut = 0, unaligned = 0;
};

class Aligner {
public:
  explicit Aligner(int64_t alignBytes) : alignBytes(alignBytes) {}

  bool isAligned(RankedTensorType t) const {
    if (t.getRank() == 0)
      return true;
    unsigned bits = t.getElementType().getIntOrFloatBitWidth();
    return (t.getShape().back() * bits / 8) % alignBytes == 0;
  }

  /// The fp16/fp32 tensors the ANE holds: not weights, not index arithmetic.
  static bool isActivation(Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    // Dynamic shapes never reach the ANE (they run on the CPU).
    if (!t || t.getRank() == 0 || !t.hasStaticShape() || !isa<FloatType>(t.getElementType()))
      return false;
    Operation *def = v.getDefiningOp();
    return !def || !isComputedAtCompileTime(def);
  }

  Footprint measure(func::FuncOp fn) const {
    Footprint f;
    fn.walk([&](Operation *op) {
      for (Value r : op->getResults()) {
        if (!isActivation(r))
          continue;
        auto t = cast<RankedTensorType>(r.getType());
        int64_t bytes = t.getElementType().getIntOrFloatBitWidth() / 8;
        int64_t last = t.getShape().back() * bytes;
        int64_t rows = product(t.getShape().drop_back());
        f.packed += rows * last;
        f.laidOut += rows * ((last + alignBytes - 1) / alignBytes * alignBytes);
        f.unaligned += isAligned(t) ? 0 : 1;
      }
    });
    return f;
  }

  int64_t paddedSize(Type element, int64_t n) const {
    int64_t per = std::max<int64_t>(1, alignBytes * 8 / element.getIntOrFloatBitWidth());
    return (n + per - 1) / per * per;
  }

  void run(func::FuncOp fn) {
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops) {
      bool anyPadded = llvm::any_of(op->getOperands(), [&](Value v) { return padded.count(v); });
      if (anyPadded) {
        if (propagate(op)) {
          replaced.push_back(op);
          continue;
        }
        sliceBackOperands(op);
      }
      for (Value r : op->getResults()) {
        // The cheap test first: most values are whole rows already, and
        // isActivation walks the value's producers.
        auto t = dyn_cast<RankedTensorType>(r.getType());
        if (!t || !t.hasStaticShape() || !t.getElementType().isIntOrFloat() || isAligned(t))
          continue;
        if (isActivation(r) && start(op, r))
          replaced.push_back(op);
      }
    }
    for (Operation *op : llvm::reverse(replaced))
      if (op->use_empty())
        op->erase();
  }

  int64_t numStarted = 0, numSlicedBack = 0;

private:
  int64_t alignBytes;
  llvm::DenseMap<Value, Padded> padded;
  llvm::DenseMap<Value, Value> slicedBack;
  SmallVector<Operation *> replaced;

  //===--------------------------------------------------------------------===//
  // Building blocks
  //===--------------------------------------------------------------------===//

  /// `v` with `axis` padded (zeros at the end) from `size` to `to`.
  Value padAxis(OpBuilder &b, Location loc, Value v, int64_t axis, int64_t to) {
    auto t = cast<RankedTensorType>(v.getType());
    // MIL's pad covers the last pad.size()/2 axes.
    SmallVector<int64_t> pad(2 * (t.getRank() - axis), 0);
    pad[1] = to - t.getDimSize(axis);
    if (isa<FloatType>(t.getElementType()))
      return b.create<PadOp>(loc, v, pad, "constant", llvm::APFloat(0.0f));
    // MIL's pad takes floats only: other dtypes are concatenated with zeros.
    SmallVector<int64_t> zerosShape(t.getShape());
    zerosShape[axis] = pad[1];
    auto zerosType = RankedTensorType::get(zerosShape, t.getElementType());
    Value zeros = b.create<ConstOp>(
        loc, DenseElementsAttr::get(zerosType, b.getZeroAttr(t.getElementType())));
    return b.create<ConcatOp>(loc, ValueRange{v, zeros}, axis, false);
  }

  /// The real value of a padded one: a slice, made once, after its producer.
  Value realValue(Value original) {
    if (Value s = slicedBack.lookup(original))
      return s;
    const Padded &p = padded.find(original)->second;
    OpBuilder b(p.value.getContext());
    b.setInsertionPointAfterValue(p.value);
    auto t = cast<RankedTensorType>(p.value.getType());
    SmallVector<int64_t> begin(t.getRank(), 0), size(t.getShape());
    size[p.axis] = p.size;
    Value s = b.create<SliceBySizeOp>(p.value.getLoc(), p.value, begin, size);
    slicedBack[original] = s;
    ++numSlicedBack;
    return s;
  }

  void sliceBackOperands(Operation *op) {
    for (OpOperand &use : op->getOpOperands())
      if (padded.count(use.get()))
        use.set(realValue(use.get()));
  }

  void record(Value original, Value value, int64_t axis, int64_t size, bool zero) {
    auto t = cast<RankedTensorType>(value.getType());
    if (axis == t.getRank() - 1) {
      padded[original] = Padded{value, axis, size, zero};
      return;
    }
    // Padding moved off the last axis costs memory and buys nothing: the
    // real value is a slice along an inner axis, with whole rows.
    OpBuilder b(value.getContext());
    b.setInsertionPointAfterValue(value);
    SmallVector<int64_t> begin(t.getRank(), 0), sizes(t.getShape());
    sizes[axis] = size;
    Value real = b.create<SliceBySizeOp>(value.getLoc(), value, begin, sizes);
    original.replaceAllUsesWith(real);
    ++numSlicedBack;
  }

  //===--------------------------------------------------------------------===//
  // Where padding starts
  //===--------------------------------------------------------------------===//

  /// `op` rebuilt on `operands`, its result `r` padded along the last axis
  /// from `n`.
  bool started(OpBuilder &b, Operation *op, Value r, ValueRange operands, int64_t n,
               bool zero) {
    Operation *y = rebuildWithOperands(b, op, operands);
    if (!y)
      return false;
    record(r, y->getResult(0), cast<RankedTensorType>(r.getType()).getRank() - 1, n, zero);
    ++numStarted;
    return true;
  }

  bool start(Operation *op, Value r) {
    OpBuilder b(op);
    auto t = cast<RankedTensorType>(r.getType());
    int64_t last = t.getRank() - 1, n = t.getShape().back();
    int64_t to = paddedSize(t.getElementType(), n);
    // A transpose that brings a short axis last: pad that axis before it,
    // while it is not last and the input's rows stay whole.
    if (auto tr = dyn_cast<TransposeOp>(op)) {
      int64_t from = tr.getPerm()[last];
      auto in = cast<RankedTensorType>(tr.getX().getType());
      if (from == in.getRank() - 1 || !isAligned(in))
        return false;
      Value x = padAxis(b, op->getLoc(), tr.getX(), from, to);
      Value y = b.create<TransposeOp>(op->getLoc(), x, tr.getPerm());
      record(r, y, last, n, true);
      ++numStarted;
      return true;
    }
    // A matmul whose columns are short (decode's attention output, (D, 1)):
    // pad y's column axis with zeros while it is inner (its rows when
    // transpose_y), so the padded columns are zero.
    if (auto m = dyn_cast<MatmulOp>(op)) {
      auto y = cast<RankedTensorType>(m.getY().getType());
      int64_t yN = m.getTransposeY() ? y.getRank() - 2 : y.getRank() - 1;
      if (y.getRank() < 2 || y.getDimSize(yN) != n)
        return false;
      Value yp = padAxis(b, op->getLoc(), m.getY(), yN, to);
      return started(b, op, r, {m.getX(), yp}, n, true);
    }
    // A lookup into a constant table: pad the table (at compile time).
    if (auto g = dyn_cast<GatherOp>(op)) {
      auto table = cast<RankedTensorType>(g.getX().getType());
      Operation *def = g.getX().getDefiningOp();
      if (!def || !isComputedAtCompileTime(def))
        return false;
      if (g.getAxis() == table.getRank() - 1) {
        // Columns looked up (decode's one position of a transposed rotary
        // table): more ids, the padding ones 0, give whole rows; the padding
        // holds column 0's values, not zeros.
        auto ids = cast<RankedTensorType>(g.getIndices().getType());
        if (ids.getRank() != 1 || g.getBatchDims() != 0 || ids.getDimSize(0) != n)
          return false;
        Value padIds = padAxis(b, op->getLoc(), g.getIndices(), 0, to);
        return started(b, op, r, {g.getX(), padIds}, n, false);
      }
      Value x = padAxis(b, op->getLoc(), g.getX(), table.getRank() - 1, to);
      return started(b, op, r, {x, g.getIndices()}, n, true);
    }
    return false;
  }

  //===--------------------------------------------------------------------===//
  // Carrying padding through an op
  //===--------------------------------------------------------------------===//

  bool propagate(Operation *op) {
    OpBuilder b(op);
    return llvm::TypeSwitch<Operation *, bool>(op)
        .Case<AddOp, SubOp, MulOp, RealDivOp, MaximumOp, MinimumOp, PowOp>(
            [&](Operation *o) { return elementwise(b, o); })
        .Case<SiluOp, ReluOp, TanhOp, AbsOp, SquareOp, SqrtOp, SinOp, ErfOp, GeluOp, CastOp>(
            [&](Operation *o) { return unary(b, o, /*keepsZero=*/true); })
        .Case<ExpOp, SigmoidOp, CosOp, RsqrtOp>(
            [&](Operation *o) { return unary(b, o, /*keepsZero=*/false); })
        .Case([&](TransposeOp o) { return transpose(b, o); })
        .Case<ReshapeOp, ExpandDimsOp, SqueezeOp>([&](Operation *o) { return reshape(b, o); })
        .Case([&](SliceBySizeOp o) { return slice(b, o); })
        .Case([&](ConcatOp o) { return concat(b, o); })
        .Case([&](ConvOp o) { return conv(b, o); })
        .Case([&](MatmulOp o) { return matmul(b, o); })
        .Case([&](SoftmaxOp o) { return softmax(b, o); })
        .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceSumSquareOp>(
            [&](Operation *o) { return reduce(b, o); })
        .Case([&](LayerNormOp o) { return layerNorm(b, o); })
        .Case([&](SliceUpdateOp o) { return sliceUpdate(b, o); })
        .Default([](Operation *) { return false; });
  }

  /// Operands of an element-wise op with broadcasting, padded alike.
  bool elementwise(OpBuilder &b, Operation *op) {
    auto rt = cast<RankedTensorType>(op->getResult(0).getType());
    int64_t rank = rt.getRank();
    // The padded operands' axis in the result's coordinates, and its padded
    // size: the same for all of them.
    std::optional<Padded> common;
    int64_t to = 0;
    bool allZero = true, anyZero = false;
    for (Value v : op->getOperands()) {
      auto it = padded.find(v);
      if (it == padded.end())
        continue;
      Padded p = it->second;
      int64_t paddedSize = cast<RankedTensorType>(p.value.getType()).getDimSize(p.axis);
      p.axis += rank - cast<RankedTensorType>(v.getType()).getRank();
      if (common && (common->axis != p.axis || common->size != p.size || to != paddedSize))
        return false;
      allZero &= p.zero;
      anyZero |= p.zero;
      if (!common)
        common = p, to = paddedSize;
    }
    SmallVector<Value> operands;
    bool broadcastAcross = false;
    for (Value v : op->getOperands()) {
      if (auto it = padded.find(v); it != padded.end()) {
        operands.push_back(it->second.value);
        continue;
      }
      auto t = cast<RankedTensorType>(v.getType());
      int64_t axis = common->axis - (rank - t.getRank());
      if (axis < 0 || t.getDimSize(axis) == 1) {
        // Broadcast along the padded axis: the padding gets its values.
        operands.push_back(v);
        broadcastAcross = true;
        continue;
      }
      if (t.getDimSize(axis) != common->size)
        return false;
      operands.push_back(padAxis(b, op->getLoc(), v, axis, to));
    }
    Operation *y = rebuildWithOperands(b, op, operands);
    if (!y)
      return false;
    bool zero = isa<MulOp>(op) ? anyZero
                : isa<AddOp, SubOp, MaximumOp, MinimumOp>(op) ? allZero && !broadcastAcross
                                                              : false;
    record(op->getResult(0), y->getResult(0), common->axis, common->size, zero);
    return true;
  }

  /// `op` rebuilt with its first operand (x) padded as `p`, the others as
  /// they are; its result padded alike.
  bool carryFirstOperand(OpBuilder &b, Operation *op, const Padded &p, bool zero) {
    SmallVector<Value> operands(op->getOperands());
    operands[0] = p.value;
    Operation *y = rebuildWithOperands(b, op, operands);
    if (!y)
      return false;
    record(op->getResult(0), y->getResult(0), p.axis, p.size, zero);
    return true;
  }

  bool unary(OpBuilder &b, Operation *op, bool keepsZero) {
    if (op->getNumOperands() != 1)
      return false;
    Padded p = padded.find(op->getOperand(0))->second;
    return carryFirstOperand(b, op, p, keepsZero && p.zero);
  }

  bool transpose(OpBuilder &b, TransposeOp op) {
    Padded p = padded.find(op.getX())->second;
    ArrayRef<int64_t> perm = op.getPerm();
    int64_t axis = std::find(perm.begin(), perm.end(), p.axis) - perm.begin();
    int64_t last = op.getType().getRank() - 1;
    int64_t n = op.getType().getDimSize(last);
    int64_t to = paddedSize(op.getType().getElementType(), n);
    if (axis != last && to != n) {
      // It brings a short axis last (decode's S = 1 behind a head's D): pad
      // that one while it is inner; the old padding goes inner and is cut.
      Value x = padAxis(b, op.getLoc(), p.value, perm[last], to);
      Value y = b.create<TransposeOp>(op.getLoc(), x, perm);
      auto t = cast<RankedTensorType>(y.getType());
      SmallVector<int64_t> begin(t.getRank(), 0), size(t.getShape());
      size[axis] = p.size;
      Value real = b.create<SliceBySizeOp>(op.getLoc(), y, begin, size);
      record(op, real, last, n, true);
      return true;
    }
    Value y = b.create<TransposeOp>(op.getLoc(), p.value, perm);
    record(op, y, axis, p.size, p.zero);
    return true;
  }

  /// A reshape keeps the padding when the padded axis survives whole: an
  /// output axis of the same size with the same number of elements before
  /// and after it.
  bool reshape(OpBuilder &b, Operation *op) {
    Value x = op->getOperand(0);
    Padded p = padded.find(x)->second;
    ArrayRef<int64_t> in = cast<RankedTensorType>(x.getType()).getShape();
    ArrayRef<int64_t> out = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
    int64_t before = product(in.take_front(p.axis)), after = product(in.drop_front(p.axis + 1));
    for (int64_t j = (int64_t)out.size() - 1; j >= 0; --j) {
      if (out[j] != p.size || product(out.take_front(j)) != before ||
          product(out.drop_front(j + 1)) != after)
        continue;
      SmallVector<int64_t> shape(out);
      shape[j] = cast<RankedTensorType>(p.value.getType()).getDimSize(p.axis);
      Value y = b.create<ReshapeOp>(op->getLoc(), p.value, shape);
      record(op->getResult(0), y, j, p.size, p.zero);
      return true;
    }
    return false;
  }

  /// A slice that keeps the whole padded axis.
  bool slice(OpBuilder &b, SliceBySizeOp op) {
    Padded p = padded.find(op.getX())->second;
    if (op.getBegin()[p.axis] != 0 || (op.getSize()[p.axis] != -1 && op.getSize()[p.axis] != p.size))
      return false;
    SmallVector<int64_t> size(op.getSize());
    size[p.axis] = -1;
    Value y = b.create<SliceBySizeOp>(op.getLoc(), p.value, op.getBegin(), size);
    record(op, y, p.axis, p.size, p.zero);
    return true;
  }

  bool concat(OpBuilder &b, ConcatOp op) {
    int64_t rank = op.getType().getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    std::optional<Padded> common;
    for (Value v : op.getValues())
      if (auto it = padded.find(v); it != padded.end()) {
        if (common && (common->axis != it->second.axis || common->size != it->second.size))
          return false;
        common = it->second;
      }
    if (common->axis == axis)
      return false;
    int64_t to = cast<RankedTensorType>(common->value.getType()).getDimSize(common->axis);
    SmallVector<Value> values;
    bool zero = true;
    for (Value v : op.getValues()) {
      if (auto it = padded.find(v); it != padded.end()) {
        values.push_back(it->second.value);
        zero &= it->second.zero;
      } else {
        values.push_back(padAxis(b, op.getLoc(), v, common->axis, to));
      }
    }
    Operation *y = rebuildWithOperands(b, op, values);
    if (!y)
      return false;
    record(op, y->getResult(0), common->axis, common->size, zero);
    return true;
  }

  /// A 1×1 conv is independent along its spatial axes.
  bool conv(OpBuilder &b, ConvOp op) {
    auto it = padded.find(op.getX());
    if (it == padded.end() || padded.count(op.getWeight()) ||
        (op.getBias() && padded.count(op.getBias())))
      return false;
    Padded p = it->second;
    auto w = op.getWeight().getType();
    auto isOnes = [](std::optional<ArrayRef<int64_t>> a) {
      return !a || llvm::all_of(*a, [](int64_t v) { return v == 1; });
    };
    if (op.getX().getType().getRank() != 4 || p.axis < 2 || w.getDimSize(2) != 1 ||
        w.getDimSize(3) != 1 || !isOnes(op.getStrides()) || !isOnes(op.getDilations()) ||
        (op.getPad() && llvm::any_of(*op.getPad(), [](int64_t v) { return v != 0; })))
      return false;
    return carryFirstOperand(b, op, p, p.zero && !op.getBias());
  }

  /// Padded rows (M) or columns (N) carry through; a padded contraction
  /// axis (K) adds zeros, and the product is the real one.
  bool matmul(OpBuilder &b, MatmulOp op) {
    int64_t rank = op.getType().getRank();
    if (op.getX().getType().getRank() != rank || op.getY().getType().getRank() != rank || rank < 2)
      return false;
    int64_t xM = op.getTransposeX() ? rank - 1 : rank - 2, xK = op.getTransposeX() ? rank - 2 : rank - 1;
    int64_t yK = op.getTransposeY() ? rank - 1 : rank - 2, yN = op.getTransposeY() ? rank - 2 : rank - 1;
    auto px = padded.find(op.getX()), py = padded.find(op.getY());
    std::optional<Padded> x, y;
    if (px != padded.end())
      x = px->second;
    if (py != padded.end())
      y = py->second;
    Value xv = x ? x->value : op.getX(), yv = y ? y->value : op.getY();
    bool contracting = (x && x->axis == xK) || (y && y->axis == yK);
    if (contracting) {
      // Both sides padded alike along K with zeros, or one side padded now.
      if ((x && x->axis != xK) || (y && y->axis != yK) || (x && !x->zero) || (y && !y->zero))
        return false;
      int64_t to = cast<RankedTensorType>((x ? x->value : y->value).getType())
                       .getDimSize(x ? xK : yK);
      if (x && y && (x->size != y->size ||
                     cast<RankedTensorType>(yv.getType()).getDimSize(yK) != to))
        return false;
      if (!x)
        xv = padAxis(b, op.getLoc(), op.getX(), xK, to);
      if (!y)
        yv = padAxis(b, op.getLoc(), op.getY(), yK, to);
      Operation *r = rebuildWithOperands(b, op, {xv, yv});
      if (!r)
        return false;
      op->replaceAllUsesWith(r);
      return true;
    }
    if (x && y)
      return false; // rows and columns both padded: keep it simple
    if (x && x->axis != xM)
      return false;
    if (y && y->axis != yN)
      return false;
    Operation *r = rebuildWithOperands(b, op, {xv, yv});
    if (!r)
      return false;
    if (x)
      record(op, r->getResult(0), rank - 2, x->size, x->zero);
    else
      record(op, r->getResult(0), rank - 1, y->size, y->zero);
    return true;
  }

  /// Softmax over the padded axis: −inf on the padding first, so that it
  /// takes no share.
  bool softmax(OpBuilder &b, SoftmaxOp op) {
    Padded p = padded.find(op.getX())->second;
    int64_t rank = op.getType().getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    Value x = p.value;
    if (axis == p.axis) {
      if (!p.zero)
        return false;
      auto t = cast<RankedTensorType>(p.value.getType());
      SmallVector<int64_t> shape(rank, 1);
      shape[axis] = t.getDimSize(axis);
      auto maskType = RankedTensorType::get(shape, t.getElementType());
      auto ft = cast<FloatType>(t.getElementType());
      SmallVector<APFloat> values;
      for (int64_t i = 0; i < shape[axis]; ++i)
        values.push_back(i < p.size ? APFloat::getZero(ft.getFloatSemantics())
                                    : APFloat::getInf(ft.getFloatSemantics(), true));
      Value mask = b.create<ConstOp>(op.getLoc(), DenseElementsAttr::get(maskType, values));
      x = b.create<AddOp>(op.getLoc(), x, mask);
    }
    Operation *y = rebuildWithOperands(b, op, {x});
    if (!y)
      return false;
    record(op, y->getResult(0), p.axis, p.size, axis == p.axis);
    return true;
  }

  bool reduce(OpBuilder &b, Operation *op) {
    Padded p = padded.find(op->getOperand(0))->second;
    int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
    auto axesAttr = op->getAttrOfType<DenseI64ArrayAttr>("axes");
    bool keep = op->getAttrOfType<BoolAttr>("keep_dims") &&
                op->getAttrOfType<BoolAttr>("keep_dims").getValue();
    SmallVector<int64_t> axes;
    if (axesAttr)
      for (int64_t a : axesAttr.asArrayRef())
        axes.push_back(a < 0 ? a + rank : a);
    else
      for (int64_t a = 0; a < rank; ++a)
        axes.push_back(a);
    if (!llvm::is_contained(axes, p.axis)) {
      Operation *y = rebuildWithOperands(b, op, {p.value});
      if (!y)
        return false;
      int64_t axis = p.axis;
      if (!keep)
        axis -= llvm::count_if(axes, [&](int64_t a) { return a < p.axis; });
      record(op->getResult(0), y->getResult(0), axis, p.size, p.zero);
      return true;
    }
    // Over the padded axis: zeros add nothing to a sum; a mean is the sum
    // over the real count.
    if (!p.zero || isa<ReduceMaxOp, ReduceMinOp>(op))
      return false;
    Value result;
    if (isa<ReduceMeanOp>(op)) {
      Value sum = b.create<ReduceSumOp>(op->getLoc(), p.value, axesAttr, keep);
      auto in = cast<RankedTensorType>(op->getOperand(0).getType());
      int64_t count = 1;
      for (int64_t a : axes)
        count *= in.getDimSize(a);
      Value inv = createScalarConstant(b, op->getLoc(), in.getElementType(), 1.0 / (double)count);
      result = b.create<MulOp>(op->getLoc(), sum, inv);
    } else {
      Operation *y = rebuildWithOperands(b, op, {p.value});
      if (!y)
        return false;
      result = y->getResult(0);
    }
    op->getResult(0).replaceAllUsesWith(result);
    return true;
  }

  /// A write of a padded update along the last axis (decode's one new
  /// column of a (D, max_S) KV cache): the ANE has no write of a padded
  /// slice, so it is a one-hot matmul and a blend, all in whole rows:
  ///   E[j, c] = 1 where c = begin + j and j is a real column, else 0
  ///   x' = x · (1 − Σ_j E[j, ·]) + update · E
  /// Exact for a finite x: every written element is update's value plus
  /// zeros, every other one x's times 1. E comes from begin by int32
  /// arithmetic on c − j, from two constant index vectors (j is max_S on
  /// the padding rows, which never matches).
  bool sliceUpdate(OpBuilder &b, SliceUpdateOp op) {
    auto pu = padded.find(op.getUpdate());
    auto xt = op.getX().getType();
    int64_t rank = xt.getRank();
    if (pu == padded.end() || padded.count(op.getX()) || padded.count(op.getBegin()) ||
        pu->second.axis != rank - 1 || !isAligned(xt) || op.getStride() ||
        op.getBeginMask() || op.getEndMask() || op.getSqueezeMask() ||
        !isa<FloatType>(xt.getElementType()))
      return false;
    Padded p = pu->second;
    auto ut = cast<RankedTensorType>(p.value.getType());
    if (ut.getShape().drop_back() != xt.getShape().drop_back())
      return false;
    Location loc = op.getLoc();
    int64_t cols = xt.getShape().back(), rows = ut.getShape().back();
    auto i32 = b.getI32Type();
    auto indexVector = [&](int64_t n, int64_t axis, auto value) -> Value {
      SmallVector<int64_t> shape(rank, 1);
      shape[axis] = n;
      SmallVector<int32_t> v(n);
      for (int64_t k = 0; k < n; ++k)
        v[k] = value(k);
      return b.create<ConstOp>(loc, DenseElementsAttr::get(RankedTensorType::get(shape, i32),
                                                           ArrayRef(v)));
    };
    Value col = indexVector(cols, rank - 1, [](int64_t c) { return int32_t(c); });
    Value row = indexVector(rows, rank - 2,
                            [&](int64_t j) { return int32_t(j < p.size ? j : cols); });
    auto i32Scalar = [&](int32_t v) -> Value {
      return b.create<ConstOp>(loc, DenseElementsAttr::get(RankedTensorType::get({}, i32),
                                                           ArrayRef(v)));
    };
    Value t = b.create<SubOp>(loc, col, row);
    Value zero = i32Scalar(0), one = i32Scalar(1);
    Value at = b.create<SliceBySizeOp>(loc, op.getBegin(), ArrayRef<int64_t>{rank - 1},
                                       ArrayRef<int64_t>{1});
    Value d = b.create<SubOp>(loc, t, at);
    Value dist = b.create<MaximumOp>(loc, d, b.create<SubOp>(loc, zero, d));
    Value hit = b.create<MaximumOp>(loc, b.create<SubOp>(loc, one, dist), zero);
    Type element = xt.getElementType();
    Value e = b.create<CastOp>(loc, hit, b.getStringAttr(getMilTypeName(element)));
    Value written = b.create<MatmulOp>(loc, p.value, e, false, false);
    Value mask = b.create<ReduceSumOp>(loc, e, b.getDenseI64ArrayAttr({rank - 2}),
                                       b.getBoolAttr(true));
    Value keep = b.create<SubOp>(loc, createScalarConstant(b, loc, element, 1.0), mask);
    Value y = b.create<AddOp>(loc, b.create<MulOp>(loc, op.getX(), keep), written);
    op->replaceAllUsesWith(ValueRange{y});
    return true;
  }

  bool layerNorm(OpBuilder &b, LayerNormOp op) {
    auto it = padded.find(op.getX());
    if (it == padded.end() || (op.getGamma() && padded.count(op.getGamma())) ||
        (op.getBeta() && padded.count(op.getBeta())))
      return false;
    Padded p = it->second;
    int64_t rank = op.getType().getRank();
    for (int64_t a : op.getAxes())
      if ((a < 0 ? a + rank : a) == p.axis)
        return false;
    return carryFirstOperand(b, op, p, p.zero && !op.getBeta());
  }
};

struct AlignLastAxisPass : anec::impl::AlignLastAxisBase<AlignLastAxisPass> {
  using AlignLastAxisBase::AlignLastAxisBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (alignBytes <= 0) {
      fn.emitError("align-bytes must be positive");
      return signalPassFailure();
    }
    Aligner aligner(alignBytes);
    // The footprint walks every value's producers: only for the report.
    Footprint before = report ? aligner.measure(fn) : Footprint();
    aligner.run(fn);
    Footprint after = report ? aligner.measure(fn) : Footprint();
    numStarted += aligner.numStarted;
    numSlicedBack += aligner.numSlicedBack;
    if (report)
      mlir::emitRemark(fn.getLoc(), fmt::format(
          "last-axis alignment: {} unaligned activations before, {} after; activation bytes "
          "packed {} -> {}, as the ANE lays them out (64-byte rows) {} -> {}",
          before.unaligned, after.unaligned, before.packed, after.packed, before.laidOut,
          after.laidOut));
  }
};

} // namespace
