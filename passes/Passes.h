//===- Passes.h - anec's passes and the ANE pipeline ------------------------===//
#ifndef ANEC_PASSES_PASSES_H
#define ANEC_PASSES_PASSES_H

#include "dialects/Hwx/HwxDialect.h"
#include "dialects/Mil/MilDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace anec {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Options of `anec-ane-pipeline`.
struct AnePipelineOptions
    : public mlir::PassPipelineOptions<AnePipelineOptions> {
  Option<bool> overflowSafeNorm{
      *this, "overflow-safe-norm",
      llvm::cl::desc("Use the overflow-safe (max|x|-scaled) RMSNorm rewrite"),
      llvm::cl::init(false)};
  Option<int64_t> maxDim{*this, "max-dim",
                         llvm::cl::desc("Largest tensor dimension of the target"),
                         llvm::cl::init(16384)};
  Option<int64_t> headsPerChunk{*this, "heads-per-chunk",
                                llvm::cl::desc("Attention heads computed together"),
                                llvm::cl::init(1)};
  Option<std::string> kvLayout{
      *this, "kv-layout",
      llvm::cl::desc("KV-cache states: channels-first, unaligned (only those whose rows are "
                     "not whole align-bytes rows) or sequence-major"),
      llvm::cl::init("channels-first")};
  Option<int64_t> alignBytes{
      *this, "align-bytes",
      llvm::cl::desc("Last axes in whole rows of this many bytes (0: leave them as they are)"),
      llvm::cl::init(64)};
};

/// The passes that make a `mil` program ANE-friendly, in order.
void buildAnePipeline(mlir::OpPassManager &pm,
                      const AnePipelineOptions &options);

/// A rank-0 float constant of `element` type (rounded to it), for rewrites.
mlir::Value createScalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type element,
                                 double value);

/// A constant of `attr` at `like`'s location, cast as `cast` casts (when
/// given): a weight rebuilt with new values.
mlir::Value createConstantLike(mlir::OpBuilder &b, mil::ConstOp like, mil::CastOp cast,
                               mlir::ElementsAttr attr);

/// `op` cloned at `b` onto `operands`, its result types inferred again
/// (ops of one operand and the same type keep the operand's); null when the
/// new operands give no valid type.
mlir::Operation *rebuildWithOperands(mlir::OpBuilder &b, mlir::Operation *op,
                                     mlir::ValueRange operands);

/// Registers every anec pass and the `anec-ane-pipeline`.
void registerAllPasses();

} // namespace anec

#endif // ANEC_PASSES_PASSES_H
