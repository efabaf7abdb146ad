//===- CheckAne.cpp - does the program have the form the ANE runs? --------===//
//
// The checks behind "after the pipeline, the program is ANE-shaped"
// (ane-constraints.md): no rms_norm, no dimension above the target's limit,
// every weight-bearing op a 1×1 conv over (B, C, 1, S), every last axis a
// multiple of 64 bytes (fp16 tensors; int32 index arithmetic and results
// sliced back for the caller are exempt), fp16 compute inside. Each violation is an error at
// the op's location (the checkpoint's layer name); `warn-only` reports them
// as warnings and lets the pass succeed.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"
#include "passes/WeightValues.h"

#include "llvm/ADT/StringSet.h"

namespace anec {
#define GEN_PASS_DEF_CHECKANE
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

struct CheckAnePass : anec::impl::CheckAneBase<CheckAnePass> {
  using CheckAneBase::CheckAneBase;

  void runOnOperation() override {
    llvm::StringSet<> enabled;
    for (const std::string &c : checks)
      enabled.insert(c);
    auto on = [&](StringRef c) { return enabled.empty() || enabled.contains(c); };
    for (StringRef c : enabled.keys())
      if (!llvm::is_contained({"rms-norm", "dims", "conv", "align", "fp16"}, c)) {
        getOperation().emitError("unknown check '") << c << "'";
        return signalPassFailure();
      }
    bool failed = false;
    auto report = [&](Operation *op) {
      failed = true;
      InFlightDiagnostic d = warnOnly ? op->emitWarning() : op->emitError();
      d << "'" << op->getName() << "' ";
      return d;
    };
    auto isWeight = [](Value v) {
      Operation *def = v.getDefiningOp();
      return def && (isa<ConstOp>(def) || def->getName().stripDialect().starts_with("constexpr_") ||
                     (isa<CastOp>(def) && def->getOperand(0).getDefiningOp<ConstOp>()));
    };
    getOperation().walk([&](Operation *op) {
      if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "mil")
        return;
      // Weights and what is computed from them alone (casts, reshapes) are
      // made when the model loads, not by the ANE.
      bool constant = isComputedAtCompileTime(op);
      // Casts at the program boundary (of an input, or into a result) are
      // where fp32 is allowed.
      bool onlyReturned = !op->use_empty() && llvm::all_of(op->getUsers(), [](Operation *u) {
        return isa<func::ReturnOp>(u);
      });
      bool boundaryCast =
          isa<CastOp>(op) && (isa<BlockArgument>(op->getOperand(0)) || onlyReturned);
      // A result sliced back from its padded form (a short vocabulary slice)
      // is handed to the caller, not to another ANE op.
      bool boundarySlice = isa<SliceBySizeOp, ReshapeOp, TransposeOp>(op) && onlyReturned;
      if (on("rms-norm") && isa<RmsNormOp>(op))
        report(op) << "rms_norm has no ANE form; run anec-rms-norm-to-layer-norm";
      for (Value r : op->getResults()) {
        auto t = dyn_cast<RankedTensorType>(r.getType());
        if (!t)
          continue;
        if (on("dims"))
          for (int64_t d : t.getShape())
            if (d > (int64_t)maxDim) {
              report(op) << "has a dimension of " << d << ", above the target's limit of "
                         << (int64_t)maxDim;
              break;
            }
        // Alignment is about the fp16 buffers the ANE computes on; int32
        // tensors are token ids, positions and slice bounds (index
        // arithmetic of a few elements).
        if (on("align") && !constant && !boundarySlice && t.getRank() > 0 &&
            isa<FloatType>(t.getElementType())) {
          unsigned bits = t.getElementType().getIntOrFloatBitWidth();
          int64_t bytes = t.getShape().back() * bits / 8;
          if (bytes % 64 != 0)
            report(op) << "has a last axis of " << t.getShape().back() << " elements (" << bytes
                       << " bytes), not a multiple of 64 bytes";
        }
        if (on("fp16") && !constant && !boundaryCast && t.getElementType().isF32())
          report(op) << "computes in fp32; the ANE runs fp16";
      }
      if (on("conv")) {
        if (auto linear = dyn_cast<LinearOp>(op))
          report(op) << "is a linear layer, not a 1x1 conv over (B, C, 1, S)";
        else if (auto matmul = dyn_cast<MatmulOp>(op)) {
          if (isWeight(matmul.getX()) || isWeight(matmul.getY()))
            report(op) << "multiplies by a weight; the ANE form is a 1x1 conv over (B, C, 1, S)";
        } else if (auto conv = dyn_cast<ConvOp>(op)) {
          auto w = conv.getWeight().getType();
          if (conv.getX().getType().getRank() != 4 || w.getDimSize(2) != 1 ||
              w.getDimSize(3) != 1 || conv.getX().getType().getDimSize(2) != 1)
            report(op) << "is a conv, but not a 1x1 conv over (B, C, 1, S)";
        }
      }
    });
    if (failed && !warnOnly)
      signalPassFailure();
  }
};

} // namespace
