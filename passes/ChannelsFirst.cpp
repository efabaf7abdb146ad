//===- ChannelsFirst.cpp - the residual stream in (B, C, 1, S) ------------===//
//
// After anec-linear-to-conv every linear layer is a 1×1 conv over
// (1, C, 1, S), entered and left through a transpose (and reshape) from and
// back to the importer's (B, S, C). This pass moves what lies between the
// convs into (B, C, 1, S) too: the residual stream, the norms (layer_norm
// over the channel axis, the concat of the RMSNorm rewrite along it), the
// element-wise ops and their per-channel vectors (reshaped to (1, C, 1, 1)),
// and channel slices. A value known in both layouts is used in the
// channels-first one; a conv's input that already is channels-first needs no
// transpose, and its output stays channels-first. The stream starts at an
// embedding lookup or a (1, S, C) function input. Where a value meets an op
// with no channels-first form (the attention heads' reshape, a function
// result), it is transposed back once.
//
// Batch 1 (the programs the importers build); other values are left alone.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "llvm/ADT/TypeSwitch.h"

namespace anec {
#define GEN_PASS_DEF_CHANNELSFIRST
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// (1, S, C) activations: the layout the importers give the residual stream.
bool isSequenceMajor(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getRank() == 3 && t.getDimSize(0) == 1 && isa<FloatType>(t.getElementType());
}

class ChannelsFirst {
public:
  void run(func::FuncOp fn) {
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    // A (1, S, C) input (a decoder block's hidden state) starts the residual
    // stream as an embedding lookup does.
    for (BlockArgument arg : fn.getArguments())
      if (isSequenceMajor(arg.getType()) && !arg.use_empty())
        toChannelsFirst(arg);
    for (Operation *op : ops)
      visit(op);
    for (Operation *op : llvm::reverse(replaced))
      if (op->use_empty())
        op->erase();
  }

  int64_t numMoved = 0, numBack = 0;

private:
  llvm::DenseMap<Value, Value> cf;   // (1, S, C) value -> its (1, C, 1, S) form
  llvm::DenseMap<Value, Value> back; // made back from the channels-first form
  llvm::DenseMap<Value, Value> origin; // such a value -> the value it stands for
  SmallVector<Operation *> replaced;

  /// (1, S, C) -> (1, S, 1, C) -> (1, C, 1, S).
  Value toChannelsFirst(Value v) {
    if (Value c = cf.lookup(v))
      return c;
    OpBuilder b(v.getContext());
    b.setInsertionPointAfterValue(v);
    auto t = cast<RankedTensorType>(v.getType());
    Value r = b.create<ReshapeOp>(v.getLoc(), v,
                                  ArrayRef<int64_t>{1, t.getDimSize(1), 1, t.getDimSize(2)});
    Value c = b.create<TransposeOp>(v.getLoc(), r, ArrayRef<int64_t>{0, 3, 2, 1});
    cf[v] = c;
    return c;
  }

  /// The (1, S, C) value again, made once after its channels-first form.
  Value sequenceMajor(Value original) {
    if (Value v = back.lookup(original))
      return v;
    Value c = cf.lookup(original);
    OpBuilder b(c.getContext());
    b.setInsertionPointAfterValue(c);
    Value t = b.create<TransposeOp>(c.getLoc(), c, ArrayRef<int64_t>{0, 3, 2, 1});
    Value v = b.create<ReshapeOp>(c.getLoc(), t,
                                  cast<RankedTensorType>(original.getType()).getShape());
    back[original] = v;
    origin[v] = original;
    ++numBack;
    return v;
  }

  /// An operand of an element-wise op over (1, S, C), channels-first: its
  /// channels-first form, a per-channel vector as (1, C, 1, 1), a per-token
  /// one as (1, 1, 1, S), a scalar as it is; null when it is none of these.
  Value operandAs(OpBuilder &b, Value v, RankedTensorType result) {
    if (Value c = cf.lookup(v))
      return c;
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 0)
      return v;
    if (t == result)
      return toChannelsFirst(v);
    SmallVector<int64_t> shape(3 - std::min<int64_t>(3, t.getRank()), 1);
    llvm::append_range(shape, t.getShape());
    if (shape.size() != 3 || shape[0] != 1)
      return {};
    int64_t s = shape[1], c = shape[2];
    if ((s != 1 && s != result.getDimSize(1)) || (c != 1 && c != result.getDimSize(2)))
      return {};
    return b.create<ReshapeOp>(v.getLoc(), v, ArrayRef<int64_t>{1, c, 1, s});
  }

  void moved(Operation *op, Value channelsFirst) {
    cf[op->getResult(0)] = channelsFirst;
    replaced.push_back(op);
    ++numMoved;
  }

  void visit(Operation *op) {
    OpBuilder b(op);
    bool done = llvm::TypeSwitch<Operation *, bool>(op)
                    .Case([&](ReshapeOp r) { return fromConv(r); })
                    .Case([&](TransposeOp t) { return intoConv(t); })
                    .Case([&](GatherOp g) { return lookup(g); })
                    .Case<AddOp, SubOp, MulOp, RealDivOp, MaximumOp, MinimumOp, PowOp>(
                        [&](Operation *o) { return elementwise(b, o); })
                    .Case<SqrtOp, ExpOp, SquareOp, TanhOp, ErfOp, SigmoidOp, SiluOp, ReluOp,
                          AbsOp, SinOp, CosOp, RsqrtOp, GeluOp, CastOp>(
                        [&](Operation *o) { return unary(b, o); })
                    .Case([&](ConcatOp c) { return concat(b, c); })
                    .Case([&](LayerNormOp l) { return layerNorm(b, l); })
                    .Case([&](SliceBySizeOp s) { return slice(b, s); })
                    .Default([](Operation *) { return false; });
    if (done)
      return;
    // No channels-first form: the operands go back to (1, S, C).
    for (OpOperand &use : op->getOpOperands())
      if (cf.count(use.get()))
        use.set(sequenceMajor(use.get()));
  }

  /// reshape(transpose(conv_out, [0, 2, 3, 1])) to (1, S, C): the conv's
  /// output is the channels-first form.
  bool fromConv(ReshapeOp r) {
    auto t = r.getX().getDefiningOp<TransposeOp>();
    if (!t || !isSequenceMajor(r.getType()) || t.getPerm() != ArrayRef<int64_t>{0, 2, 3, 1})
      return false;
    auto y = cast<RankedTensorType>(t.getX().getType());
    auto out = r.getType();
    if (y.getRank() != 4 || y.getDimSize(0) != 1 || y.getDimSize(2) != 1 ||
        y.getDimSize(1) != out.getDimSize(2) || y.getDimSize(3) != out.getDimSize(1))
      return false;
    cf[r] = t.getX();
    return false; // the reshape stays for the users that need (1, S, C)
  }

  /// transpose(reshape(x, [1, 1, S, C]), [0, 3, 1, 2]) into a conv, for an x
  /// known channels-first: that form itself.
  bool intoConv(TransposeOp t) {
    auto r = t.getX().getDefiningOp<ReshapeOp>();
    if (!r || t.getPerm() != ArrayRef<int64_t>{0, 3, 1, 2})
      return false;
    Value x = r.getX();
    if (Value o = origin.lookup(x))
      x = o; // the reshape was visited first and given the (1, S, C) form
    Value c = cf.lookup(x);
    if (!c || c.getType() != t.getType())
      return false;
    t.replaceAllUsesWith(c);
    replaced.push_back(t);
    replaced.push_back(r);
    ++numMoved;
    return true;
  }

  /// An embedding lookup starts the residual stream: made channels-first
  /// once, here.
  bool lookup(GatherOp g) {
    if (!isSequenceMajor(g.getType()))
      return false;
    toChannelsFirst(g);
    return false;
  }

  bool elementwise(OpBuilder &b, Operation *op) {
    if (!isSequenceMajor(op->getResult(0).getType()) ||
        llvm::none_of(op->getOperands(), [&](Value v) { return cf.count(v); }))
      return false;
    auto result = cast<RankedTensorType>(op->getResult(0).getType());
    SmallVector<Value> operands;
    for (Value v : op->getOperands()) {
      Value c = operandAs(b, v, result);
      if (!c)
        return false;
      operands.push_back(c);
    }
    Operation *y = rebuildWithOperands(b, op, operands);
    if (!y)
      return false;
    moved(op, y->getResult(0));
    return true;
  }

  bool unary(OpBuilder &b, Operation *op) {
    if (op->getNumOperands() != 1 || !cf.count(op->getOperand(0)) ||
        !isSequenceMajor(op->getResult(0).getType()))
      return false;
    Operation *y = rebuildWithOperands(b, op, {cf.lookup(op->getOperand(0))});
    if (!y)
      return false;
    moved(op, y->getResult(0));
    return true;
  }

  /// (1, S, C) axis -> (1, C, 1, S) axis.
  static int64_t axisOf(int64_t axis) { return axis == 0 ? 0 : axis == 1 ? 3 : 1; }

  bool concat(OpBuilder &b, ConcatOp op) {
    if (!isSequenceMajor(op.getType()) || op.getInterleave() ||
        llvm::none_of(op.getValues(), [&](Value v) { return cf.count(v); }) ||
        llvm::any_of(op.getValues(), [](Value v) { return !isSequenceMajor(v.getType()); }))
      return false;
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + 3 : op.getAxis();
    SmallVector<Value> values;
    for (Value v : op.getValues())
      values.push_back(toChannelsFirst(v));
    Value y = b.create<ConcatOp>(op.getLoc(), values, axisOf(axis), false);
    moved(op, y);
    return true;
  }

  /// layer_norm over the channels: over axis 1; gamma and beta keep their
  /// (C) shape.
  bool layerNorm(OpBuilder &b, LayerNormOp op) {
    Value c = cf.lookup(op.getX());
    ArrayRef<int64_t> axes = op.getAxes();
    if (!c || axes.size() != 1 || (axes[0] != 2 && axes[0] != -1))
      return false;
    Value y = b.create<LayerNormOp>(op.getLoc(), c, op.getGamma(), op.getBeta(),
                                    ArrayRef<int64_t>{1}, op.getEpsilon());
    moved(op, y);
    return true;
  }

  bool slice(OpBuilder &b, SliceBySizeOp op) {
    Value c = cf.lookup(op.getX());
    if (!c || !isSequenceMajor(op.getType()))
      return false;
    // A result cut to its real size (a padded vocabulary slice) is cut after
    // the transpose back, where the axis it cuts is last and whole rows go
    // through the transpose.
    if (llvm::all_of(op->getUsers(), [](Operation *u) { return isa<func::ReturnOp>(u); }))
      return false;
    ArrayRef<int64_t> begin = op.getBegin(), size = op.getSize();
    SmallVector<int64_t> b4 = {begin[0], begin[2], 0, begin[1]};
    SmallVector<int64_t> s4 = {size[0], size[2], 1, size[1]};
    Value y = b.create<SliceBySizeOp>(op.getLoc(), c, b4, s4);
    moved(op, y);
    return true;
  }
};

struct ChannelsFirstPass : anec::impl::ChannelsFirstBase<ChannelsFirstPass> {
  using ChannelsFirstBase::ChannelsFirstBase;
  void runOnOperation() override {
    ChannelsFirst pass;
    pass.run(getOperation());
    numMoved += pass.numMoved;
    numBack += pass.numBack;
  }
};

} // namespace
