//===- CompileHwx.cpp - anec compile --format=hwx: a native M1 program ----===//
//
// The native path: load, lower every op into H13 tasks (anec-lower-to-h13,
// which refuses what has not been matched against Apple's binaries), and
// lay the tasks out as an .hwx (lib/Hwx/H13Writer.h), written atomically.
//
//===----------------------------------------------------------------------===//
#include "lib/Driver/CompileHwx.h"

#include "anec/Registration.h"
#include "dialects/Hwx/HwxDialect.h"
#include "lib/Driver/Load.h"
#include "lib/Hwx/H13Writer.h"
#include "lib/Support/AtomicFile.h"
#include "lib/Support/OutputPath.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

#include <chrono>

using namespace mlir;

absl::StatusOr<anec::CompileResult> anec::driver::compileHwx(const CompileOptions &o) {
  if (o.target != "m1")
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=hwx writes M1 (H13) programs: give --target=m1 (got '", o.target, "')"));
  if (o.weights != "fp16")
    return absl::InvalidArgumentError("--format=hwx writes fp16 kernels: --weights must be fp16");
  if (absl::Status s = support::checkOutput(o.output, support::OutputKind::File, {o.input}, o.force);
      !s.ok())
    return s;
  auto start = std::chrono::steady_clock::now();
  CompileResult result;
  auto last = start;
  auto step = [&](const char *name) {
    auto now = std::chrono::steady_clock::now();
    result.steps.push_back({name, std::chrono::duration<double>(now - last).count()});
    last = now;
  };
  DialectRegistry registry;
  registerDialects(registry);
  registerPasses();
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  import::ImportOptions importOptions;
  importOptions.prefill = o.prefill;
  importOptions.context = o.context;
  auto module = loadModel(ctx, o.input, importOptions);
  if (!module.ok())
    return module.status();
  step("import");
  // The pass's diagnostics (the op refused and why) become the error.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << (diagnostics.empty() ? "" : "; ") << d.getLocation() << ": " << d.str();
    return success();
  });
  PassManager pm(&ctx);
  if (failed(parsePassPipeline("func.func(anec-lower-to-h13)", pm)))
    return absl::InternalError("the H13 lowering pipeline does not parse");
  if (failed(pm.run(**module)))
    return absl::InvalidArgumentError(absl::StrCat(o.input, ": ", diagnostics));
  step("lower");
  // The kernels are the program's weights (fp16).
  (*module)->walk([&](hwx::TaskOp t) {
    if (auto k = t.getKernel()) {
      result.weightBytes += cast<ShapedType>(k->getType()).getNumElements();
      result.weightValues += cast<ShapedType>(k->getType()).getNumElements() / 2;
    }
  });
  result.weightFileBytes = result.weightBytes;
  auto bytes = hwx::writeH13Program(**module, llvm::sys::path::filename(o.input).str());
  if (!bytes.ok())
    return absl::Status(bytes.status().code(), absl::StrCat(o.input, ": ", bytes.status().message()));
  if (absl::Status s = writeFileAtomically(
          o.output, std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()),
          "output");
      !s.ok())
    return s;
  step("write");
  result.written.push_back(o.output);
  uint64_t inputBytes = 0;
  if (!llvm::sys::fs::file_size(o.input, inputBytes))
    result.inputBytes = inputBytes;
  result.outputBytes = bytes->size();
  result.targetName = "Apple M1 (H13)";
  result.aneOpsFraction = result.aneFlopsFraction = 1.0; // every op is a task, or refused
  result.peakRssMiB = peakRssMiB();
  return result;
}
