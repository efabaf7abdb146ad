//===- MilLowering.h - a mil module as a MIL program ------------------------===//
#ifndef ANEC_LIB_EXPORT_MILLOWERING_H
#define ANEC_LIB_EXPORT_MILLOWERING_H

#include "lib/Export/MilBlobWriter.h"
#include "lib/Export/MilProgram.h"

#include "mlir/IR/BuiltinOps.h"

namespace anec::exporter {

/// Lowers every function of `module` to MIL, writing weights (constants of
/// 10 elements or more) to `blob`. Casts of weights to fp16 are folded into
/// the written weights; a weight used by several functions is written once.
absl::StatusOr<MilProgram> lowerToMilProgram(mlir::ModuleOp module, TargetOS os,
                                             MilBlobWriter &blob);

/// Starts an output in the temporary folder `tmp` (replacing any left
/// over): writes `tmp/<weightsDir>/weight.bin` while lowering `module`.
/// On failure the temporary folder is removed; `output` names the final
/// output in errors.
absl::StatusOr<MilProgram> lowerIntoTemporary(mlir::ModuleOp module, TargetOS os,
                                              const std::string &tmp,
                                              llvm::StringRef weightsDir,
                                              const std::string &output);

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_MILLOWERING_H
