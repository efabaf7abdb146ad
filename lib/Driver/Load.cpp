//===- Load.cpp - any input anec reads, as a mil module --------------------===//
#include "lib/Import/EspressoImporter.h"
#include "lib/Support/InputFile.h"
#include "lib/Support/Nesting.h"
#include "lib/Driver/Load.h"
#include "lib/Export/MilBlobWriter.h"
#include "lib/Import/GgufImporter.h"
#include "lib/Import/HfImporter.h"
#include "lib/Import/MilProgramImporter.h"

#include "dialects/Mil/MilDialect.h"

#include "absl/strings/str_cat.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <sys/resource.h>

using namespace mlir;

namespace {

/// Parses `buffer` (text or bytecode), with the parser's diagnostics as the
/// error message.
absl::StatusOr<OwningOpRef<ModuleOp>> parseBuffer(MLIRContext &ctx,
                                                  std::unique_ptr<llvm::MemoryBuffer> buffer,
                                                  const std::string &name) {
  if (absl::Status s = anec::checkMlirNesting(buffer->getBuffer(), name, ctx.getDialectRegistry()); !s.ok())
    return s;
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  std::string messages;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error) {
      std::string loc;
      llvm::raw_string_ostream(loc) << d.getLocation();
      absl::StrAppend(&messages, messages.empty() ? "" : "; ", loc, ": ", d.str());
    }
    return success();
  });
  OwningOpRef<ModuleOp> m = parseSourceFile<ModuleOp>(sm, &ctx);
  if (!m)
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": cannot parse", messages.empty() ? "" : ": ", messages));
  return m;
}

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::driver::loadModel(MLIRContext &ctx, const std::string &path,
                        const import::ImportOptions &options) {
  llvm::SmallString<256> config(path), mil(path), manifest(path);
  llvm::sys::path::append(config, "config.json");
  llvm::sys::path::append(mil, "model.mil");
  llvm::sys::path::append(manifest, "Manifest.json");
  if (llvm::sys::fs::exists(config))
    return import::importHuggingFace(&ctx, path, options);
  if (llvm::StringRef(path).ends_with(".gguf"))
    return import::importGguf(&ctx, path, options);
  if (llvm::StringRef(path).ends_with(".plist"))
    return import::importEspressoNet(&ctx, path);
  if (llvm::sys::fs::exists(manifest))
    return import::importMlPackage(&ctx, path);
  if (llvm::sys::fs::exists(mil))
    return import::importMilText(&ctx, path);
  if (llvm::StringRef(path).ends_with(".mlir") || llvm::StringRef(path).ends_with(".mlirbc")) {
    if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
      return regular;
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer)
      return absl::NotFoundError(absl::StrCat(path, ": ", buffer.getError().message()));
    return parseBuffer(ctx, std::move(*buffer), path);
  }
  if (!llvm::sys::fs::exists(path))
    return absl::NotFoundError(absl::StrCat(path, ": no such file or folder"));
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": not a Hugging Face folder, .gguf, .mlpackage, MIL text folder, .mlir file or "
            "Espresso .plist"));
}

absl::StatusOr<OwningOpRef<ModuleOp>> anec::driver::parseModel(MLIRContext &ctx,
                                                               const std::string &text,
                                                               const std::string &name) {
  return parseBuffer(ctx, llvm::MemoryBuffer::getMemBufferCopy(text, name), name);
}

std::pair<uint64_t, uint64_t> anec::driver::weightStats(ModuleOp module) {
  uint64_t bytes = 0, params = 0;
  llvm::DenseSet<std::pair<const void *, uint64_t>> seen;
  module.walk([&](mil::ConstOp c) {
    auto t = c.getType();
    if (t.getNumElements() < 10 || !seen.insert(exporter::weightIdentity(c.getVal())).second)
      return;
    Type e = t.getElementType();
    bool toF16 = !c->use_empty() && llvm::all_of(c->getUsers(), [](Operation *u) {
      return isa<mil::CastOp>(u);
    });
    unsigned bits = toF16 ? 16 : e.getIntOrFloatBitWidth();
    bytes += (t.getNumElements() * bits + 7) / 8;
    // Scales and LUTs of compressed weights are overhead, not parameters.
    bool overhead = llvm::any_of(c->getUsers(), [](Operation *u) {
      return isa<mil::ConstexprBlockwiseShiftScaleOp, mil::ConstexprLutToDenseOp,
                 mil::ConstexprAffineDequantizeOp>(u) &&
             u->getOperand(0).getDefiningOp() != nullptr &&
             !isa<mil::ConstOp>(u->getOperand(0).getDefiningOp());
    });
    if (!overhead)
      params += t.getNumElements();
  });
  return {bytes, params};
}

double anec::driver::peakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

uint64_t anec::driver::bytesUnder(const std::string &folder,
                                  llvm::function_ref<bool(llvm::StringRef)> counts) {
  uint64_t total = 0;
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(folder, ec), end; it != end && !ec;
       it.increment(ec)) {
    uint64_t size = 0;
    if (counts(it->path()) && !llvm::sys::fs::is_directory(it->path()) &&
        !llvm::sys::fs::file_size(it->path(), size))
      total += size;
  }
  return total;
}

uint64_t anec::driver::weightFileBytes(const std::string &folder) {
  if (!llvm::sys::fs::is_directory(folder))
    return 0;
  return bytesUnder(folder,
                    [](llvm::StringRef file) { return llvm::sys::path::extension(file) == ".bin"; });
}
