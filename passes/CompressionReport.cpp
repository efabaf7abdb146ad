//===- CompressionReport.cpp - per-weight results of a compression pass ---===//
#include "passes/CompressionReport.h"
#include "lib/Support/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace anec;

mlir::LogicalResult anec::writeCompressionReport(mlir::Operation *anchor, llvm::StringRef path,
                                                 const std::vector<WeightReport> &weights) {
  int64_t elements = 0, before = 0, after = 0;
  for (const WeightReport &w : weights)
    elements += w.elements, before += w.bytesBefore, after += w.bytesAfter;
  // JSON has no infinity: a lossless weight's SNR is null.
  auto snr = [](double v) -> llvm::json::Value {
    return std::isfinite(v) ? llvm::json::Value(std::round(v * 100) / 100) : nullptr;
  };
  llvm::json::Array list;
  for (const WeightReport &w : weights)
    list.push_back(llvm::json::Object{
        {"name", w.name},
        {"compression", w.compression},
        {"granularity", w.granularity},
        {"bits", w.bits},
        {"elements", w.elements},
        {"groups", w.groups},
        {"uses", w.uses},
        {"bytes_before", w.bytesBefore},
        {"bytes_after", w.bytesAfter},
        {"bits_per_weight", w.elements ? 8.0 * w.bytesAfter / w.elements : 0.0},
        {"snr_db", snr(w.snrDb)},
        {"max_abs_error", w.maxAbsError},
    });
  llvm::json::Object root{
      {"weights", std::move(list)},
      {"totals",
       llvm::json::Object{
           {"weights", (int64_t)weights.size()},
           {"elements", elements},
           {"bytes_before", before},
           {"bytes_after", after},
           {"bits_per_weight", elements ? 8.0 * after / elements : 0.0},
       }},
  };
  return writeJsonReport(anchor, path, "compression report", llvm::json::Value(std::move(root)));
}

mlir::LogicalResult anec::writeJsonReport(mlir::Operation *anchor, llvm::StringRef path,
                                          llvm::StringRef what, const llvm::json::Value &value) {
  std::string text = llvm::formatv("{0:2}", value).str() + "\n";
  absl::Status written = writeFileAtomically(path.str(), text, what.str());
  if (!written.ok())
    return anchor->emitError() << std::string(written.message());
  return mlir::success();
}
