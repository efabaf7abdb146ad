//===- WeightValues.h - a constant weight's values as floats ----*- C++ -*-===//
#ifndef ANEC_PASSES_WEIGHTVALUES_H
#define ANEC_PASSES_WEIGHTVALUES_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Regex.h"
#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace anec {

/// A constant or a constexpr decompression op: a weight as stored.
bool isWeightOp(mlir::Operation *op);

/// Whether `op`'s results are known at compile time: a weight op, or a
/// pure op (a cast, a reshape) of such results. Partitioning leaves these
/// with their users; outlined segments clone them.
bool isComputedAtCompileTime(mlir::Operation *op);

/// The values of a float constant (dense, splat, or an f16/bf16/f32
/// resource) as floats; rounded to fp16 as a cast to fp16 would when
/// `roundToHalf`. False for other element types and for resources shorter
/// than their type says.
/// With `parallelOn`, resources convert in chunks on that context's threads.
bool readWeightValues(mlir::ElementsAttr attr, std::vector<float> &out, bool roundToHalf,
                      mlir::MLIRContext *parallelOn = nullptr);

/// The values of a float constant as fp16 bit patterns (rounded to nearest
/// even, as a cast to fp16 would), converted in parallel on `ctx`'s
/// threads. False as readWeightValues.
bool readWeightHalfBits(mlir::MLIRContext *ctx, mlir::ElementsAttr attr,
                        std::vector<uint16_t> &out);

/// Gives back the resident pages of a weight mapped from a checkpoint (a
/// compression pass has read it for the last time); nothing for others.
void releaseWeightPages(mlir::ElementsAttr attr);

/// `exclude`, the regex on weight names a compression pass leaves alone; an
/// error on `fn` when it is not a valid regex.
mlir::FailureOr<llvm::Regex> parseExcludeRegex(mlir::Operation *fn, llvm::StringRef exclude);

/// The weight operands of the conv and linear ops in `fn`, each once, in
/// order of appearance; with `embeddings`, also the tables of axis-0 gathers.
llvm::SmallVector<mlir::Value> collectWeights(mlir::Operation *fn, bool embeddings);

/// A distinct weight of a module (one constant attribute at one type) and
/// every operand that uses it: functions share weights (prefill and decode
/// hold the same attributes), and compression handles each once.
struct DistinctWeight {
  struct Use {
    mlir::Value weight;    ///< the operand's value (the constant or its cast)
    mlir::Operation *constant;
  };
  std::string name; ///< the checkpoint's tensor name, from the location
  mlir::RankedTensorType type;
  llvm::SmallVector<Use, 2> uses;
  mlir::ElementsAttr values() const;
};

/// Replaces every use of `weight` by what `build` makes at that use (after
/// the weight's value, at its constant's location): the same attributes in
/// every function, so shared bytes stay shared.
void replaceEachUse(
    DistinctWeight &weight,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location)> build);

/// The fp16 weights of every function of `module` with at least
/// `minElements` elements and a name `excluded` does not match (an empty
/// `exclude` matches nothing), in order of first use.
std::vector<DistinctWeight> collectDistinctWeights(mlir::Operation *module, bool embeddings,
                                                   int64_t minElements, llvm::StringRef exclude,
                                                   llvm::Regex &excluded);

} // namespace anec

#endif // ANEC_PASSES_WEIGHTVALUES_H
