//===- anec-translate.cpp - importers and exporters of anec ---------------===//
//
//   anec-translate --import-hf DIR -o model.mlir [--prefill=64 --context=512]
//   anec-translate --import-hf DIR --full-sequence=16 -o model.mlir
//   anec-translate --make-tiny-model DIR
//
//===----------------------------------------------------------------------===//
#include "lib/Hwx/HwxFile.h"
#include "lib/Import/EspressoImporter.h"
#include "lib/Support/AtomicFile.h"
#include "lib/Support/InputFile.h"
#include "lib/Support/Nesting.h"
#include "dialects/Mil/MilContracts.h"
#include "anec/Registration.h"
#include "lib/Export/Chunking.h"
#include "lib/Support/OutputPath.h"

#include <optional>
#include "lib/Export/MilTextWriter.h"
#include "lib/Export/MlPackageWriter.h"
#include "lib/Import/GgufImporter.h"
#include "lib/Import/HfImporter.h"
#include "lib/Import/MilProgramImporter.h"
#include "lib/Import/SyntheticCheckpoint.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

using namespace mlir;
namespace cl = llvm::cl;

// --help lists these groups only (LLVM's own options are hidden).
static cl::OptionCategory kImportCat("Import");
static cl::OptionCategory kExportCat("Export");
static cl::OptionCategory kMakeCat("Generated models");
static cl::OptionCategory kGeneralCat("General");

static cl::extrahelp examples(R"(
Examples:
  anec-translate --import-hf DIR -o model.mlir --prefill=64 --context=512
  anec-translate --import-gguf model.gguf -o model.mlirbc --emit-bytecode
  anec-translate --mil-to-mlpackage model.mlir -o model.mlpackage
  anec-translate --import-mlpackage model.mlpackage -o model.mlir
  anec-translate --make-tiny-model DIR
)");
static cl::opt<std::string> importHf("import-hf",
                                     cl::desc("Import a Hugging Face checkpoint folder"),
                                     cl::value_desc("dir"), cl::cat(kImportCat));
static cl::opt<std::string> importGguf("import-gguf", cl::desc("Import a llama.cpp GGUF file"),
                                       cl::value_desc("file"), cl::cat(kImportCat));
static cl::opt<std::string> makeTiny("make-tiny-model",
                                     cl::desc("Write the built-in tiny Llama checkpoint here"),
                                     cl::value_desc("dir"), cl::cat(kMakeCat));
static cl::opt<std::string> makeSynthetic(
    "make-synthetic-model",
    cl::desc("Write a checkpoint with the shapes of --from-config and seeded weights here"),
    cl::value_desc("dir"), cl::cat(kMakeCat));
static cl::opt<std::string> fromConfig("from-config", cl::desc("config.json for --make-synthetic-model"), cl::cat(kMakeCat));
static cl::opt<int64_t> layers("layers", cl::desc("Override the layer count (--make-synthetic-model)"),
                               cl::init(0), cl::cat(kMakeCat));
static cl::opt<int64_t> vocab("vocab", cl::desc("Override the vocabulary (--make-synthetic-model)"),
                              cl::init(0), cl::cat(kMakeCat));
static cl::opt<std::string> toMilText(
    "mil-to-mil-text", cl::desc("Write the input mil module as MIL text + weight blob into -o DIR"), cl::cat(kExportCat));
static cl::opt<std::string> toMlPackage(
    "mil-to-mlpackage", cl::desc("Write the input mil module as a Core ML .mlpackage -o X.mlpackage"), cl::cat(kExportCat));
static cl::opt<std::string> importMilTextPath(
    "import-mil-text", cl::desc("Read MIL text (a folder with model.mil) into mil"), cl::cat(kImportCat));
static cl::opt<std::string> importEspresso(
    "import-espresso-net",
    cl::desc("Read an Espresso network description (net.plist, weights beside it) into mil"),
    cl::cat(kImportCat));
static cl::opt<std::string> hwxRoundtrip(
    "hwx-roundtrip",
    cl::desc("Decode an Apple .hwx (H13), rebuild its tasks from the decode alone and write the "
             "file to -o (the same bytes when the decode is complete)"),
    cl::cat(kImportCat));
static cl::opt<std::string> importMlPackagePath(
    "import-mlpackage", cl::desc("Read a Core ML .mlpackage into mil"), cl::cat(kImportCat));
static cl::opt<uint64_t> maxFileSize(
    "max-file-size",
    cl::desc("Split exports into chunks whose weight file stays within this many bytes "
             "(default 1e9, the iOS limit)"),
    cl::init(1000000000ull), cl::cat(kExportCat));
static cl::opt<std::string> targetOs("os", cl::desc("Target OS for exports: ios16, ios17, ios18"),
                                     cl::init("ios18"), cl::cat(kExportCat));
static cl::opt<std::string> output("o", cl::desc("Output file ('-' for stdout)"),
                                   cl::init("-"), cl::cat(kExportCat));
static cl::opt<int64_t> prefill("prefill", cl::desc("Tokens per prefill call"), cl::init(64), cl::cat(kImportCat));
static cl::opt<int64_t> context("context", cl::desc("KV-cache length"), cl::init(512), cl::cat(kImportCat));
static cl::opt<std::string> head("head",
                                cl::desc("What each call returns: logits (default), argmax (the "
                                         "next ids) or topk:K (the K best ids and logits)"),
                                cl::init("logits"), cl::cat(kImportCat));
static cl::opt<std::string> kvMode("kv",
                                  cl::desc("KV caches as Core ML states (state, default) or as "
                                           "inputs and outputs (io), for chips without stateful "
                                           "decode"),
                                  cl::init("state"), cl::cat(kImportCat));
static cl::opt<int64_t> fullSequence(
    "full-sequence", cl::desc("Import one stateless function over this many tokens"),
    cl::init(0), cl::cat(kImportCat));
static cl::opt<std::string> printContracts(
    "print-mil-contracts",
    cl::desc("Print the MIL op contracts the verifier enforces (markdown or json) and exit"), cl::cat(kGeneralCat));
static cl::opt<bool> emitBytecode("emit-bytecode", cl::desc("Write MLIR bytecode"), cl::cat(kExportCat));
static cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors"), cl::cat(kGeneralCat));
static cl::opt<bool> force("force",
                           cl::desc("Replace an existing output that anec did not write (never "
                                    "an input, never a device)"), cl::cat(kExportCat));

static int fail(const std::string &message) {
  fmt::print(stderr, "anec-translate: error: {}\n", message);
  return 1;
}

/// Writes `module` to -o (text with locations, or bytecode), through a
/// temporary file renamed into place.
static int writeModule(ModuleOp module, const std::string &input);

/// --hwx-roundtrip: decode, encode from the decode's task lines, write.
static int roundtripHwx() {
  if (output.empty() || output == "-")
    return fail("--hwx-roundtrip needs -o FILE");
  auto file = anec::hwx::readHwxFile(hwxRoundtrip);
  if (!file.ok())
    return fail(std::string(file.status().message()));
  auto tasks = anec::hwx::tasksFromDescription(anec::hwx::describe(*file));
  if (!tasks.ok())
    return fail(hwxRoundtrip + ": the decode does not encode: " + std::string(tasks.status().message()));
  file->tasks = std::move(*tasks);
  std::vector<uint8_t> out = anec::hwx::writeHwx(*file);
  if (absl::Status s = anec::support::checkOutput(output, anec::support::OutputKind::File,
                                                  {hwxRoundtrip}, force);
      !s.ok())
    return fail(std::string(s.message()));
  if (absl::Status s = anec::writeFileAtomically(
          output, std::string_view(reinterpret_cast<const char *>(out.data()), out.size()), "output");
      !s.ok())
    return fail(std::string(s.message()));
  return 0;
}

static int writeModule(ModuleOp module, const std::string &input) {
  // Devices and pipes (-o /dev/null) are written directly: renaming a file
  // over them would replace them.
  llvm::sys::fs::file_status st;
  bool special = !llvm::sys::fs::status(output, st) && llvm::sys::fs::exists(st) &&
                 !llvm::sys::fs::is_regular_file(st);
  std::optional<anec::support::TempOutput> temp;
  if (output != "-") {
    if (absl::Status s = anec::support::checkOutput(output, anec::support::OutputKind::File,
                                                    {input}, force);
        !s.ok())
      return fail(std::string(s.message()));
    if (!special)
      temp.emplace(output);
  }
  std::string tmp = temp ? temp->path() : output.getValue();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return fail(fmt::format("{}: cannot write: {}", output.getValue(), ec.message()));
    if (emitBytecode) {
      if (failed(writeBytecodeToFile(module, os)))
        return fail("cannot write bytecode");
    } else {
      // Locations carry the checkpoint's tensor names into every later
      // report and export, so they are always printed.
      module->print(os, OpPrintingFlags().enableDebugInfo());
    }
    if (os.has_error())
      return fail(fmt::format("{}: write failed", output.getValue()));
  }
  if (temp)
    if (absl::Status s = temp->commit(); !s.ok())
      return fail(std::string(s.message()));
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions({&kImportCat, &kExportCat, &kMakeCat, &kGeneralCat});
  cl::ParseCommandLineOptions(argc, argv, "anec importers and exporters\n");
  anec::support::removeTemporariesOnInterrupt();
  if (!printContracts.empty()) {
    if (printContracts != "markdown" && printContracts != "json")
      return fail(fmt::format("--print-mil-contracts must be markdown or json, got '{}'",
                              printContracts.getValue()));
    fmt::print("{}", printContracts == "json" ? anec::mil::renderContractsJson()
                                              : anec::mil::renderContractsMarkdown());
    return 0;
  }
  if (!makeTiny.empty()) {
    if (auto s = anec::import::writeTinyLlama(makeTiny); !s.ok())
      return fail(std::string(s.message()));
    if (!quiet)
      fmt::print(stderr, "wrote the tiny Llama checkpoint to {}\n", makeTiny.getValue());
    return 0;
  }
  if (!makeSynthetic.empty()) {
    if (fromConfig.empty())
      return fail("--make-synthetic-model needs --from-config=config.json");
    anec::import::SyntheticOptions so;
    so.layers = layers;
    so.vocab = vocab;
    if (auto s = anec::import::writeSyntheticCheckpoint(fromConfig, makeSynthetic, so); !s.ok())
      return fail(std::string(s.message()));
    if (!quiet)
      fmt::print(stderr, "wrote a synthetic checkpoint to {}\n", makeSynthetic.getValue());
    return 0;
  }
  if (!toMilText.empty() || !toMlPackage.empty()) {
    std::string input = toMilText.empty() ? toMlPackage.getValue() : toMilText.getValue();
    DialectRegistry registry;
    anec::registerDialects(registry);
    MLIRContext ctx(registry);
    llvm::SourceMgr sm;
    SourceMgrDiagnosticHandler handler(sm, &ctx);
    if (absl::Status s = anec::checkMlirFileNesting(input, registry); !s.ok())
      return fail(std::string(s.message()));
    OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(input, &ctx);
    if (!module)
      return fail(fmt::format("cannot load '{}'", input));
    std::optional<anec::exporter::TargetOS> parsed = anec::exporter::parseTargetOS(targetOs);
    if (!parsed)
      return fail(fmt::format("--os must be ios16, ios17 or ios18, got '{}'", targetOs.getValue()));
    anec::exporter::TargetOS os = *parsed;
    if (output == "-")
      return fail("exports need -o");
    auto write = [&](mlir::ModuleOp m, const std::string &path) -> absl::Status {
      if (absl::Status s = anec::support::checkOutput(
              path,
              toMilText.empty() ? anec::support::OutputKind::Package
                                : anec::support::OutputKind::MilText,
              {input}, force);
          !s.ok())
        return s;
      return toMilText.empty() ? anec::exporter::writeMlPackage(m, path, {os})
                               : anec::exporter::writeMilText(m, path, {os});
    };
    auto written = anec::exporter::writeChunked(*module, output, maxFileSize, write);
    if (!written.ok())
      return fail(std::string(written.status().message()));
    if (!quiet && written->written.size() > 1) {
      fmt::print(stderr, "wrote {} chunks and {}\n", written->written.size() - 1,
                 written->written.back());
      for (const anec::exporter::RepeatedWeight &w : written->repeated)
        fmt::print(stderr, "  '{}' is stored by chunks {} ({} bytes a copy)\n", w.name,
                   fmt::join(w.chunks, ", "), w.bytes);
    }
    return 0;
  }
  if (!hwxRoundtrip.empty())
    return roundtripHwx();
  if (!importEspresso.empty()) {
    DialectRegistry registry;
    anec::registerDialects(registry);
    MLIRContext ctx(registry);
    auto module = anec::import::importEspressoNet(&ctx, importEspresso);
    if (!module.ok())
      return fail(std::string(module.status().message()));
    if (failed(mlir::verify(**module)))
      return fail(importEspresso + ": the network does not make a valid program");
    return writeModule(**module, importEspresso);
  }
  if (!importMilTextPath.empty() || !importMlPackagePath.empty()) {
    DialectRegistry registry;
    anec::registerDialects(registry);
    MLIRContext ctx(registry);
    auto module = importMilTextPath.empty()
                      ? anec::import::importMlPackage(&ctx, importMlPackagePath)
                      : anec::import::importMilText(&ctx, importMilTextPath);
    if (!module.ok())
      return fail(std::string(module.status().message()));
    return writeModule(**module,
                       importMilTextPath.empty() ? importMlPackagePath : importMilTextPath);
  }
  if (importHf.empty() && importGguf.empty())
    return fail("nothing to do: give --import-hf DIR, --mil-to-mil-text FILE or --make-tiny-model DIR");

  DialectRegistry registry;
  anec::registerDialects(registry);
  MLIRContext ctx(registry);
  anec::import::ImportOptions options;
  options.prefill = prefill;
  options.context = context;
  auto kvAsIO = anec::import::parseKv(kvMode);
  if (!kvAsIO.ok())
    return fail(std::string(kvAsIO.status().message()));
  options.kvAsIO = *kvAsIO;
  auto headK = anec::import::parseHead(head);
  if (!headK.ok())
    return fail(std::string(headK.status().message()));
  options.headTopK = *headK;
  if (fullSequence > 0) {
    options.fullSequence = true;
    options.sequence = fullSequence;
  }
  anec::import::ImportReport report;
  auto module = importGguf.empty()
                    ? anec::import::importHuggingFace(&ctx, importHf, options, &report)
                    : anec::import::importGguf(&ctx, importGguf, options, &report);
  if (!module.ok())
    return fail(std::string(module.status().message()));
  if (failed(verify(**module)))
    return fail("the imported program does not verify (a bug in anec)");
  if (!quiet) {
    fmt::print(stderr, "imported {} tensors, {:.2f} M parameters, {:.1f} MiB of weights\n",
               report.tensors, report.parameters / 1e6, report.weightBytes / 1048576.0);
    fmt::print(stderr, "fp16 range: {} values overflow (|x| > 65504), {} flush to zero\n",
               report.fp16Overflows, report.fp16Underflows);
  }

  return writeModule(**module, importGguf.empty() ? importHf.getValue() : importGguf.getValue());
}
