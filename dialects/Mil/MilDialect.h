//===- MilDialect.h - the mil dialect: Core ML's MIL in MLIR ---------------===//
#ifndef ANEC_DIALECTS_MIL_MILDIALECT_H
#define ANEC_DIALECTS_MIL_MILDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Mil/MilContracts.h"
#include "dialects/Mil/MilDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Mil/MilTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/Mil/MilOps.h.inc"

namespace anec::mil {

/// MIL's dtype name for an element type (`fp16`, `int8`, `uint4`, ...), or ""
/// when MIL has none.
llvm::StringRef getMilTypeName(mlir::Type elementType);

/// The element type MIL's dtype name stands for, or null.
mlir::Type parseMilTypeName(mlir::MLIRContext *ctx, llvm::StringRef name);

/// The numpy broadcast of two shapes, or failure when they do not broadcast.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Normalises a possibly negative axis into [0, rank); failure if out of range.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

} // namespace anec::mil

#endif // ANEC_DIALECTS_MIL_MILDIALECT_H
