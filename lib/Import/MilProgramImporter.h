//===- MilProgramImporter.h - MIL programs back into the mil dialect ------===//
#ifndef ANEC_LIB_IMPORT_MILPROGRAMIMPORTER_H
#define ANEC_LIB_IMPORT_MILPROGRAMIMPORTER_H

#include "lib/Export/MilProgram.h"
#include "lib/Import/MilBlobReader.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace anec::import {

/// Raises a MIL program (read from MIL text or an .mlpackage) into a `mil`
/// module: const parameters of attribute kind become attributes, weights
/// become resources backed by the mapped weight file, value names become
/// locations (so a re-export names everything the same). `source` names the
/// file in errors.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importMilProgram(mlir::MLIRContext *ctx, const exporter::MilProgram &program,
                 const MilBlobReader *weights, const std::string &source);

/// Raises `program`, read from the file `modelPath`, with the weights in
/// `weights/weight.bin` beside that file (absent: a program without blob
/// references).
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importWithWeightsBeside(mlir::MLIRContext *ctx, const exporter::MilProgram &program,
                        const std::string &modelPath);

/// Reads MIL text (`model.mil` with `weights/weight.bin` beside it).
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importMilText(mlir::MLIRContext *ctx, const std::string &dir);

/// Reads an .mlpackage (Manifest.json, model.mlmodel, weights).
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importMlPackage(mlir::MLIRContext *ctx, const std::string &path);

/// Reads the ML Program of a serialized Core ML Model protobuf.
absl::StatusOr<exporter::MilProgram> readModelProgram(llvm::StringRef bytes,
                                                      const std::string &path);

/// Parses MIL text into a program; `path` names the file in errors.
absl::StatusOr<exporter::MilProgram> parseMilText(llvm::StringRef text,
                                                  const std::string &path);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_MILPROGRAMIMPORTER_H
