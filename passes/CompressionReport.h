//===- CompressionReport.h - per-weight results of a compression pass -*- C++ -*-===//
//
// What anec-quantize-weights and anec-palettize-weights did to each weight,
// as a JSON file (`report-file`) the driver turns into its table and its
// --report. One schema for both passes, documented in docs/PIPELINE.md.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_PASSES_COMPRESSIONREPORT_H
#define ANEC_PASSES_COMPRESSIONREPORT_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace anec {

struct WeightReport {
  std::string name;
  std::string compression; ///< "palettize" or "quantize"
  std::string granularity; ///< per_tensor, per_grouped_channel, per_channel
  int bits = 0;
  int64_t elements = 0;
  int64_t groups = 1;   ///< LUTs or scales
  int64_t uses = 1;     ///< functions sharing the weight
  int64_t bytesBefore = 0, bytesAfter = 0;
  double snrDb = 0;     ///< +inf when lossless
  double maxAbsError = 0;
};

/// Writes `weights` and their totals as JSON to `path` (through a temporary
/// file renamed into place); an error on `anchor` when that fails.
mlir::LogicalResult writeCompressionReport(mlir::Operation *anchor, llvm::StringRef path,
                                           const std::vector<WeightReport> &weights);

/// Writes `value` as indented JSON to `path`: a device directly, a file
/// through a temporary file renamed into place; an error on `anchor`
/// naming `what` and the path when that fails.
mlir::LogicalResult writeJsonReport(mlir::Operation *anchor, llvm::StringRef path,
                                    llvm::StringRef what, const llvm::json::Value &value);

} // namespace anec

#endif // ANEC_PASSES_COMPRESSIONREPORT_H
