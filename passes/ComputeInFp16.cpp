//===- ComputeInFp16.cpp - fp16 everywhere inside, casts at the boundary --===//
//
// The ANE computes in fp16 only (ane-constraints.md). Every fp32 value a
// function computes becomes fp16: fp32 inputs are cast to fp16 once at the
// entry, fp32 results cast back once before the return, small fp32
// constants are converted, fp32 weights are cast (their storage is
// converted when written), and casts to fp32 inside become fp16 casts.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace anec {
#define GEN_PASS_DEF_COMPUTEINFP16
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

Type toF16(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  if (r && r.getElementType().isF32())
    return r.clone(Float16Type::get(t.getContext()));
  return t;
}

struct ComputeInFp16Pass : anec::impl::ComputeInFp16Base<ComputeInFp16Pass> {
  using ComputeInFp16Base::ComputeInFp16Base;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    Block &entry = fn.getBody().front();
    OpBuilder b(&getContext());
    b.setInsertionPointToStart(&entry);
    StringAttr fp16 = b.getStringAttr("fp16");
    // Inputs: one cast at the entry.
    for (BlockArgument arg : entry.getArguments()) {
      if (toF16(arg.getType()) == arg.getType() || arg.use_empty())
        continue;
      auto cast = b.create<CastOp>(arg.getLoc(), arg, fp16);
      arg.replaceAllUsesExcept(cast, cast);
      ++numCasts;
    }
    // Every op inside.
    for (Operation &op : llvm::make_early_inc_range(entry.without_terminator())) {
      if (auto cast = dyn_cast<CastOp>(&op)) {
        // A cast to fp32 inside becomes a cast to fp16 (of an fp16 value: a
        // no-op canonicalize removes).
        if (cast.getDtype() == "fp32") {
          cast.setDtype("fp16");
          Value r = cast.getResult();
          r.setType(toF16(r.getType()));
          ++numConverted;
        }
        continue;
      }
      if (auto widen = dyn_cast<ConstexprCastOp>(&op)) {
        // An fp16 constant widened to fp32 at load time: inside an fp16
        // program it is the fp16 constant itself.
        widen.getResult().replaceAllUsesWith(widen.getSourceVal());
        widen.erase();
        ++numConverted;
        continue;
      }
      if (auto c = dyn_cast<ConstOp>(&op)) {
        if (!c.getType().getElementType().isF32())
          continue;
        auto dense = dyn_cast<DenseFPElementsAttr>(c.getVal());
        if (dense && (dense.isSplat() || dense.getNumElements() <= 1024)) {
          Type type = toF16(c.getType());
          c.setValAttr(cast<ElementsAttr>(dense.mapValues(
              Float16Type::get(&getContext()), [](const APFloat &v) {
                APFloat h = v;
                bool lost;
                h.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &lost);
                return h.bitcastToAPInt();
              })));
          Value r = c.getResult();
          r.setType(type);
        } else {
          // A weight keeps its storage; a cast makes it fp16.
          b.setInsertionPointAfter(c);
          auto cast = b.create<CastOp>(c.getLoc(), c, fp16);
          c.getResult().replaceAllUsesExcept(cast, cast);
          ++numCasts;
        }
        ++numConverted;
        continue;
      }
      bool changed = false;
      for (Value r : op.getResults())
        if (toF16(r.getType()) != r.getType()) {
          r.setType(toF16(r.getType()));
          changed = true;
        }
      numConverted += changed;
    }
    // Results: one cast back before the return.
    Operation *ret = entry.getTerminator();
    b.setInsertionPoint(ret);
    for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
      Type want = fn.getResultTypes()[i];
      if (v.getType() != want) {
        ret->setOperand(i, b.create<CastOp>(ret->getLoc(), v, b.getStringAttr("fp32")));
        ++numCasts;
      }
    }
  }
};

} // namespace
