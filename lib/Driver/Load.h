//===- Load.h - any input anec reads, as a mil module ---------*- C++ -*-===//
#ifndef ANEC_LIB_DRIVER_LOAD_H
#define ANEC_LIB_DRIVER_LOAD_H

#include "lib/Import/TransformerBuilder.h"

#include "absl/status/statusor.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>
#include <utility>

namespace anec::driver {

/// A Hugging Face folder, a .gguf, an .mlpackage, a MIL text folder, or a
/// mil .mlir/.mlirbc file, by what the path holds.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
loadModel(mlir::MLIRContext &ctx, const std::string &path, const import::ImportOptions &options);

/// MLIR text or bytecode held in memory; `name` names it in errors.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
parseModel(mlir::MLIRContext &ctx, const std::string &text, const std::string &name);

/// This process's peak resident set so far, in MiB.
double peakRssMiB();

/// Stored weight bytes (fp16 for weights cast to fp16) and parameter count,
/// each distinct weight once.
std::pair<uint64_t, uint64_t> weightStats(mlir::ModuleOp module);

/// Bytes of the weight files (`*.bin`) under a package or MIL text folder as
/// they are on disk: what was written, not what was planned (0 for a file).
uint64_t weightFileBytes(const std::string &folder);

/// Bytes of the files under `folder` whose path `counts` accepts.
uint64_t bytesUnder(const std::string &folder, llvm::function_ref<bool(llvm::StringRef)> counts);

} // namespace anec::driver

#endif // ANEC_LIB_DRIVER_LOAD_H
