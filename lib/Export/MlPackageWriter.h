//===- MlPackageWriter.h - Core ML .mlpackage -----------------------------===//
#ifndef ANEC_LIB_EXPORT_MLPACKAGEWRITER_H
#define ANEC_LIB_EXPORT_MLPACKAGEWRITER_H

#include "lib/Export/MilProgram.h"

#include "mlir/IR/BuiltinOps.h"

#include "absl/status/status.h"

#include <string>
#include <utility>
#include <vector>

namespace CoreML::Specification {
class Model;
} // namespace CoreML::Specification

namespace anec::exporter {

struct MlPackageOptions {
  TargetOS os = TargetOS::iOS18;
  /// Receives the program's interface metadata (lib/Export/Interface.h).
  std::vector<std::pair<std::string, std::string>> *metadata = nullptr;
};

/// The Model protobuf of a lowered program: the ML Program and a
/// description whose inputs, outputs, states (and functions, for several)
/// match it.
void buildModelProto(const MilProgram &program, CoreML::Specification::Model &model);

/// Writes X.mlpackage: Manifest.json, Data/com.apple.CoreML/model.mlmodel and
/// Data/com.apple.CoreML/weights/weight.bin, built in a temporary folder and
/// renamed into place. The output is deterministic (same input, same bytes).
absl::Status writeMlPackage(mlir::ModuleOp module, const std::string &path,
                            const MlPackageOptions &options);

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_MLPACKAGEWRITER_H
