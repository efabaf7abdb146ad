//===- Segments.cpp - compute-unit segments as region ops -----------------===//
//
// anec-outline-segments groups each function's ops, in program order, into
// maximal runs on one `mil.compute_unit` (anec-partition's result) and
// moves each run into a `mil.segment`: values crossing into the run become
// its operands, values used after it its results, the constants it reads
// are cloned inside. The program computes what it did (anec-run runs
// segments). anec-inline-segments flattens them again before export.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace anec {
#define GEN_PASS_DEF_OUTLINESEGMENTS
#define GEN_PASS_DEF_INLINESEGMENTS
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

struct OutlineSegmentsPass : anec::impl::OutlineSegmentsBase<OutlineSegmentsPass> {
  using OutlineSegmentsBase::OutlineSegmentsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    Block &block = fn.getBody().front();
    // Runs of consecutive scheduled ops with one unit.
    SmallVector<SmallVector<Operation *>> runs;
    StringRef current;
    for (Operation &op : block) {
      if (isa<func::ReturnOp>(op) || isComputedAtCompileTime(&op))
        continue;
      auto unit = op.getAttrOfType<StringAttr>("mil.compute_unit");
      if (!unit) {
        op.emitError("has no mil.compute_unit: run anec-partition first");
        return signalPassFailure();
      }
      if (runs.empty() || unit.getValue() != current)
        runs.emplace_back();
      current = unit.getValue();
      runs.back().push_back(&op);
    }
    for (SmallVector<Operation *> &run : runs)
      outline(run);
    // Constants now only read inside segments.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (isComputedAtCompileTime(&op) && op.use_empty())
        op.erase();
  }

  void outline(ArrayRef<Operation *> run) {
    llvm::SmallPtrSet<Operation *, 16> inRun(run.begin(), run.end());
    llvm::SetVector<Value> inputs, outputs;
    // mil ops have no regions: operands and users are top-level ops.
    for (Operation *op : run) {
      for (Value v : op->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (!def || (!inRun.contains(def) && !isComputedAtCompileTime(def)))
          inputs.insert(v);
      }
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(), [&](Operation *u) { return !inRun.contains(u); }))
          outputs.insert(r);
    }
    Operation *last = run.back();
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    SmallVector<Type> outTypes;
    for (Value v : outputs)
      outTypes.push_back(v.getType());
    auto segment = b.create<SegmentOp>(last->getLoc(), outTypes,
                                       last->getAttrOfType<StringAttr>("mil.compute_unit"),
                                       inputs.getArrayRef());
    Block *body = new Block();
    segment.getBody().push_back(body);
    IRMapping map;
    for (Value in : inputs)
      map.map(in, body->addArgument(in.getType(), in.getLoc()));
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    // Constant chains the run reads, cloned inside (each once).
    std::function<void(Value)> cloneConstant = [&](Value v) {
      if (map.contains(v))
        return;
      Operation *def = v.getDefiningOp();
      for (Value operand : def->getOperands())
        cloneConstant(operand);
      inner.clone(*def, map);
    };
    for (Operation *op : run)
      for (Value v : op->getOperands())
        if (Operation *def = v.getDefiningOp(); def && isComputedAtCompileTime(def) && !inRun.contains(def))
          cloneConstant(v);
    for (Operation *op : run)
      inner.clone(*op, map);
    SmallVector<Value> yielded;
    for (Value v : outputs)
      yielded.push_back(map.lookup(v));
    inner.create<YieldOp>(last->getLoc(), yielded);
    for (auto [out, r] : llvm::zip(outputs, segment.getResults()))
      Value(out).replaceUsesWithIf(r, [&](OpOperand &use) { return !inRun.contains(use.getOwner()); });
    for (Operation *op : llvm::reverse(run))
      op->erase();
    ++numSegments;
  }
};

struct InlineSegmentsPass : anec::impl::InlineSegmentsBase<InlineSegmentsPass> {
  using InlineSegmentsBase::InlineSegmentsBase;

  void runOnOperation() override {
    SmallVector<SegmentOp> segments;
    getOperation().walk([&](SegmentOp s) { segments.push_back(s); });
    for (SegmentOp s : segments) {
      OpBuilder b(s);
      IRMapping map;
      Block &body = s.getBody().front();
      for (auto [arg, in] : llvm::zip(body.getArguments(), s.getInputs()))
        map.map(arg, in);
      for (Operation &op : body.without_terminator())
        b.clone(op, map);
      auto yield = cast<YieldOp>(body.getTerminator());
      for (auto [r, v] : llvm::zip(s.getResults(), yield.getValues()))
        r.replaceAllUsesWith(map.lookup(v));
      s.erase();
    }
  }
};

} // namespace
