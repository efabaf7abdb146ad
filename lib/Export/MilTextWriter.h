//===- MilTextWriter.h - MIL programs as MIL text + weight blob -----------===//
#ifndef ANEC_LIB_EXPORT_MILTEXTWRITER_H
#define ANEC_LIB_EXPORT_MILTEXTWRITER_H

#include "lib/Export/MilProgram.h"

#include "mlir/IR/BuiltinOps.h"

#include "absl/status/status.h"

#include <string>
#include <utility>
#include <vector>

namespace anec::exporter {

struct MilTextOptions {
  /// iOS18 writes `program(1.3)` / `func main<ios18>`; iOS16/17 the older
  /// `program(1.0)` form with scalars as rank-0 tensors.
  TargetOS os = TargetOS::iOS18;
  /// Receives the program's interface metadata (lib/Export/Interface.h).
  std::vector<std::pair<std::string, std::string>> *metadata = nullptr;
};

/// The `model.mil` text of a program (coreml-format.md §4).
std::string printMilText(const MilProgram &program);

/// Writes `dir/model.mil` and `dir/weights/weight.bin` (built in a temporary
/// folder and renamed into place).
absl::Status writeMilText(mlir::ModuleOp module, const std::string &dir,
                          const MilTextOptions &options);

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_MILTEXTWRITER_H
