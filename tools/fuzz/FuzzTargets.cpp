//===- FuzzTargets.cpp - one fuzz entry point per reader ------------------===//
//
// Every reader of outside input, as a libFuzzer target: safetensors,
// config.json, GGUF, MIL text, the Core ML protobuf, the MILBlob weight
// file, the mil MLIR parser with the verifier, Espresso .plist networks,
// Apple's .hwx programs (read, decoded, re-encoded from the decode), and (target `pipeline`) a
// parsed program through anec-ane-pipeline, which must fail cleanly or
// leave a valid program. Built twice: with
// -fsanitize=fuzzer for fuzzing (ANEC_FUZZ=ON, utils/fuzz.sh), and with a
// replay main (ReplayMain.cpp) that the test suite runs over each corpus,
// so a crash once found stays fixed.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/Nesting.h"
#include "anec/Registration.h"
#include "lib/Hwx/HwxFile.h"
#include "lib/Import/EspressoImporter.h"
#include "lib/Import/GgufImporter.h"
#include "lib/Import/MilBlobReader.h"
#include "lib/Import/MilProgramImporter.h"
#include "lib/Import/ModelConfig.h"
#include "lib/Import/SafeTensors.h"
#include "lib/Partition/Target.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace mlir;

namespace {

/// The input as a file (the file readers map their input).
struct TempFile {
  std::string path;
  TempFile(const uint8_t *data, size_t size) {
    char name[] = "/tmp/anec-fuzz-XXXXXX";
    int fd = mkstemp(name);
    path = name;
    if (fd >= 0) {
      size_t done = 0;
      while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
          break;
        done += n;
      }
      close(fd);
    }
  }
  ~TempFile() { unlink(path.c_str()); }
};

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    anec::registerDialects(registry);
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    c->printOpOnDiagnostic(false);
    // Parse errors are expected; keep them quiet.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

} // namespace

/// Feeds one input to the reader `target`; false for an unknown target.
bool anecFuzzOne(const std::string &target, const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  if (target == "safetensors") {
    TempFile f(data, size);
    (void)anec::import::readSafetensors(f.path);
  } else if (target == "config") {
    (void)anec::import::parseHfConfig(text, "config.json");
  } else if (target == "target") {
    (void)anec::partition::parseTarget(text, "target.json");
  } else if (target == "gguf") {
    TempFile f(data, size);
    anec::import::ImportOptions options;
    options.prefill = 2;
    options.context = 4;
    (void)anec::import::importGguf(&context(), f.path, options);
  } else if (target == "mil-text") {
    auto program = anec::import::parseMilText(text, "model.mil");
    if (program.ok())
      (void)anec::import::importMilProgram(&context(), *program, nullptr, "model.mil");
  } else if (target == "mlmodel") {
    auto program = anec::import::readModelProgram(text, "model.mlmodel");
    if (program.ok())
      (void)anec::import::importMilProgram(&context(), *program, nullptr, "model.mlmodel");
  } else if (target == "milblob") {
    TempFile f(data, size);
    auto r = anec::import::MilBlobReader::open(f.path);
    if (r.ok())
      for (uint64_t offset = 64; offset < size && offset < 64 * 64; offset += 64)
        (void)r->blob(offset, 1, 16, 16);
  } else if (target == "plist") {
    // A network beside no weight files: the reader and the units' checks.
    TempFile f(data, size);
    std::string path = f.path + ".plist";
    if (std::rename(f.path.c_str(), path.c_str()) == 0) {
      (void)anec::import::importEspressoNet(&context(), path);
      unlink(path.c_str());
    }
  } else if (target == "hwx") {
    auto file = anec::hwx::readHwx(llvm::ArrayRef<uint8_t>(data, size), "model.hwx");
    if (file.ok()) {
      auto tasks = anec::hwx::tasksFromDescription(anec::hwx::describe(*file));
      // A decode that does not encode back to the same tasks is a bug.
      if (!tasks.ok() || tasks->size() != file->tasks.size())
        std::abort();
      for (size_t i = 0; i < tasks->size(); ++i)
        if ((*tasks)[i].bytes != file->tasks[i].bytes)
          std::abort();
      (void)anec::hwx::writeHwx(*file);
    }
  } else if (target == "mlir") {
    // As the tools read MLIR: the nesting is measured before parsing.
    if (!anec::checkMlirNesting(text, "input", context().getDialectRegistry()).ok())
      return true;
    OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(text, &context());
    if (m)
      (void)verify(*m);
  } else if (target == "pipeline") {
    if (!anec::checkMlirNesting(text, "input", context().getDialectRegistry()).ok())
      return true;
    OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(text, &context());
    if (m && succeeded(verify(*m))) {
      PassManager pm(&context());
      // Verified once at the end: a pass that leaves an invalid program
      // without failing is a bug, reported as a crash.
      pm.enableVerifier(false);
      anec::buildAnePipeline(pm, anec::AnePipelineOptions());
      if (succeeded(pm.run(*m)) && failed(verify(*m)))
        std::abort();
    }
  } else {
    return false;
  }
  return true;
}
