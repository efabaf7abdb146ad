//===- CompressionReport.cpp - per-weight results of a compression pass ---===//
#include "passes/CompressionReport.h"

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
  // A device (/dev/stdout) is written directly; a file through a temporary
  // file beside it, renamed into place.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
      !llvm::sys::fs::is_regular_file(status) && !llvm::sys::fs::is_directory(status)) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (!ec)
      os << text;
    if (ec || os.has_error()) {
      os.clear_error();
      return anchor->emitError("cannot write the ") << what << " '" << path << "'";
    }
    return mlir::success();
  }
  llvm::SmallString<256> tmp;
  int fd;
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, tmp))
    return anchor->emitError("cannot write the ") << what << " '"
           << path << "': " << ec.message();
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << text;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return anchor->emitError("cannot write the ") << what << " '" << path << "'";
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return anchor->emitError("cannot write the ") << what << " '"
           << path << "': " << ec.message();
  }
  return mlir::success();
}
