//===- anec.cpp - the anec driver: one command from a model to a package --===//
//
//   anec compile INPUT -o OUTPUT [--format=mlpackage|mil] [--os=ios18]
//                [--prefill=64] [--context=512] [--max-file-size=BYTES]
//                [--pipeline=PIPELINE] [--quiet]
//   anec inspect PATH
//
// INPUT is a Hugging Face folder, a .gguf, an .mlpackage, a MIL text folder,
// or a mil .mlir/.mlirbc file. Import, the ANE pipeline and export run in
// one process, so weights stay mapped from the input to the written blob.
//
//===----------------------------------------------------------------------===//
#include "anec/Registration.h"
#include "lib/Export/Chunking.h"
#include "lib/Export/MilBlobWriter.h"
#include "lib/Export/MilTextWriter.h"
#include "lib/Export/MlPackageWriter.h"
#include "lib/Import/GgufImporter.h"
#include "lib/Import/HfImporter.h"
#include "lib/Import/MilProgramImporter.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <fmt/format.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> command(cl::Positional, cl::desc("<compile|inspect>"), cl::Required);
static cl::opt<std::string> input(cl::Positional, cl::desc("<input>"), cl::Required);
static cl::opt<std::string> output("o", cl::desc("Output package or folder"));
static cl::opt<std::string> format("format", cl::desc("mlpackage or mil"), cl::init("mlpackage"));
static cl::opt<std::string> targetOs("os", cl::desc("ios16, ios17 or ios18"), cl::init("ios18"));
static cl::opt<int64_t> prefill("prefill", cl::desc("Tokens per prefill call"), cl::init(64));
static cl::opt<int64_t> context("context", cl::desc("KV-cache length"), cl::init(512));
static cl::opt<uint64_t> maxFileSize("max-file-size",
                                     cl::desc("Largest weight file; larger programs are chunked"),
                                     cl::init(1000000000ull));
static cl::opt<std::string> pipeline("pipeline",
                                     cl::desc("Pass pipeline (textual form) instead of the default"),
                                     cl::init("anec-ane-pipeline"));
static cl::opt<std::string> weights(
    "weights",
    cl::desc("Weight format: fp16, int8 (per tensor, symmetric), int8-per-channel, or lutN "
             "(N = 1, 2, 3, 4, 6, 8: k-means palettization, per 32-channel group on iOS18), or "
             "mixed:B (palettization with 2-8 bits per weight, B bits on average)"),
    cl::init("fp16"));
static cl::opt<std::string> quantReport(
    "quant-report",
    cl::desc("Write what compression did to each weight (bits, bytes, SNR, max error) as JSON to "
             "this file, and print it as a table"));
static cl::opt<bool> printPipeline("print-pipeline", cl::desc("Print the pass pipeline and exit"));
static cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors"));

namespace {

int fail(const std::string &message) {
  fmt::print(stderr, "anec: error: {}\n", message);
  return 1;
}

struct Step {
  std::string name;
  double seconds;
};

class Timer {
public:
  void done(const std::string &name) {
    auto now = std::chrono::steady_clock::now();
    steps.push_back({name, std::chrono::duration<double>(now - last).count()});
    last = now;
    if (!quiet)
      fmt::print(stderr, "  {:<10} {:>8.2f} s\n", name, steps.back().seconds);
  }
  std::vector<Step> steps;

private:
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

uint64_t pathBytes(const std::string &path) {
  uint64_t total = 0;
  if (llvm::sys::fs::is_directory(path)) {
    std::error_code ec;
    for (llvm::sys::fs::recursive_directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec)) {
      uint64_t size = 0;
      if (!llvm::sys::fs::is_directory(it->path()) && !llvm::sys::fs::file_size(it->path(), size))
        total += size;
    }
    return total;
  }
  uint64_t size = 0;
  llvm::sys::fs::file_size(path, size);
  return size;
}

double peakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

std::string humanBytes(double b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (b >= 1024 && u < 3)
    b /= 1024, ++u;
  return fmt::format("{:.1f} {}", b, units[u]);
}

/// Prints the compression report at `tmp` as a table (unless --quiet) and
/// moves it to `path` (copied beside it, then renamed into place).
int publishQuantReport(const std::string &tmp, const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(tmp);
  if (!buffer)
    return fail(fmt::format("the compression pass wrote no report ({})", tmp));
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse((*buffer)->getBuffer());
  const llvm::json::Object *root = parsed ? parsed->getAsObject() : nullptr;
  if (!root) {
    if (!parsed)
      llvm::consumeError(parsed.takeError());
    return fail(fmt::format("the compression report {} is not valid JSON", tmp));
  }
  if (!quiet) {
    fmt::print(stderr, "{:<44} {:>9} {:>4} {:>6} {:>10} {:>10} {:>7} {:>9}\n", "weight", "form",
               "bits", "groups", "before", "after", "SNR dB", "max err");
    auto num = [](const llvm::json::Object &o, llvm::StringRef key) {
      return o.getNumber(key).value_or(0);
    };
    if (const llvm::json::Array *list = root->getArray("weights"))
      for (const llvm::json::Value &v : *list) {
        const llvm::json::Object *w = v.getAsObject();
        if (!w)
          continue;
        std::optional<double> snr = w->getNumber("snr_db");
        fmt::print(stderr, "{:<44} {:>9} {:>4} {:>6} {:>10} {:>10} {:>7} {:>9.3g}\n",
                   w->getString("name").value_or("").str(),
                   w->getString("compression").value_or("") == "palettize" ? "LUT" : "int8",
                   (int64_t)num(*w, "bits"), (int64_t)num(*w, "groups"),
                   humanBytes(num(*w, "bytes_before")), humanBytes(num(*w, "bytes_after")),
                   snr ? fmt::format("{:.1f}", *snr) : std::string("exact"),
                   num(*w, "max_abs_error"));
      }
    if (const llvm::json::Object *t = root->getObject("totals"))
      fmt::print(stderr, "{} weights, {:.0f} values: {} -> {}, {:.2f} bits per weight\n",
                 (int64_t)t->getNumber("weights").value_or(0),
                 t->getNumber("elements").value_or(0),
                 humanBytes(t->getNumber("bytes_before").value_or(0)),
                 humanBytes(t->getNumber("bytes_after").value_or(0)),
                 t->getNumber("bits_per_weight").value_or(0));
  }
  std::string staging = path + ".anec-tmp";
  if (std::error_code ec = llvm::sys::fs::copy_file(tmp, staging)) {
    llvm::sys::fs::remove(staging);
    return fail(fmt::format("cannot write the report {}: {}", path, ec.message()));
  }
  if (std::error_code ec = llvm::sys::fs::rename(staging, path)) {
    llvm::sys::fs::remove(staging);
    return fail(fmt::format("cannot write the report {}: {}", path, ec.message()));
  }
  return 0;
}

absl::StatusOr<OwningOpRef<ModuleOp>> load(MLIRContext &ctx, const std::string &path) {
  anec::import::ImportOptions options;
  options.prefill = prefill;
  options.context = context;
  llvm::SmallString<256> config(path), mil(path), manifest(path);
  llvm::sys::path::append(config, "config.json");
  llvm::sys::path::append(mil, "model.mil");
  llvm::sys::path::append(manifest, "Manifest.json");
  if (llvm::sys::fs::exists(config))
    return anec::import::importHuggingFace(&ctx, path, options);
  if (llvm::StringRef(path).ends_with(".gguf"))
    return anec::import::importGguf(&ctx, path, options);
  if (llvm::sys::fs::exists(manifest))
    return anec::import::importMlPackage(&ctx, path);
  if (llvm::sys::fs::exists(mil))
    return anec::import::importMilText(&ctx, path);
  if (llvm::StringRef(path).ends_with(".mlir") || llvm::StringRef(path).ends_with(".mlirbc")) {
    llvm::SourceMgr sm;
    SourceMgrDiagnosticHandler handler(sm, &ctx);
    OwningOpRef<ModuleOp> m = parseSourceFile<ModuleOp>(path, &ctx);
    if (!m)
      return absl::InvalidArgumentError(path + ": cannot parse");
    return m;
  }
  return absl::InvalidArgumentError(
      path + ": not a Hugging Face folder, .gguf, .mlpackage, MIL text folder or .mlir file");
}

/// Weight bytes as written (fp16 for weights cast to fp16), bits per weight.
std::pair<uint64_t, uint64_t> weightStats(ModuleOp module) {
  uint64_t bytes = 0, params = 0;
  llvm::DenseSet<std::pair<const void *, uint64_t>> seen;
  module.walk([&](anec::mil::ConstOp c) {
    auto t = c.getType();
    if (t.getNumElements() < 10 || !seen.insert(anec::exporter::weightIdentity(c.getVal())).second)
      return;
    Type e = t.getElementType();
    bool toF16 = !c->use_empty() && llvm::all_of(c->getUsers(), [](Operation *u) {
      return isa<anec::mil::CastOp>(u);
    });
    unsigned bits = toF16 ? 16 : e.getIntOrFloatBitWidth();
    bytes += (t.getNumElements() * bits + 7) / 8;
    // Scales and LUTs of compressed weights are overhead, not parameters.
    bool overhead = llvm::any_of(c->getUsers(), [](Operation *u) {
      return isa<anec::mil::ConstexprBlockwiseShiftScaleOp, anec::mil::ConstexprLutToDenseOp,
                 anec::mil::ConstexprAffineDequantizeOp>(u) &&
             u->getOperand(0).getDefiningOp() != nullptr &&
             !isa<anec::mil::ConstOp>(u->getOperand(0).getDefiningOp());
    });
    if (!overhead)
      params += t.getNumElements();
  });
  return {bytes, params};
}

int inspect() {
  DialectRegistry registry;
  anec::registerDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  auto module = load(ctx, input);
  if (!module.ok())
    return fail(std::string(module.status().message()));
  fmt::print("{}\n", input.getValue());
  for (auto fn : (*module)->getOps<func::FuncOp>()) {
    fmt::print("function {}\n", fn.getSymName().str());
    for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
      std::string type;
      llvm::raw_string_ostream(type) << fn.getArgumentTypes()[i];
      auto name = fn.getArgAttrOfType<StringAttr>(i, "mil.name");
      auto state = fn.getArgAttrOfType<StringAttr>(i, "mil.state_name");
      fmt::print("  {} {:<32} {}\n", state ? "state " : "input ",
                 state ? state.str() : name ? name.str() : fmt::format("input_{}", i), type);
    }
    for (unsigned i = 0; i < fn.getNumResults(); ++i) {
      std::string type;
      llvm::raw_string_ostream(type) << fn.getResultTypes()[i];
      auto name = fn.getResultAttrOfType<StringAttr>(i, "mil.name");
      fmt::print("  output {:<32} {}\n", name ? name.str() : fmt::format("output_{}", i), type);
    }
    std::map<std::string, int> counts;
    fn.walk([&](Operation *op) {
      if (op != fn.getOperation())
        ++counts[op->getName().getStringRef().str()];
    });
    for (auto &[name, n] : counts)
      fmt::print("    {:<40} {:>6}\n", name, n);
  }
  auto [bytes, params] = weightStats(**module);
  fmt::print("weights: {} in {:.2f} M values, {:.2f} bits per weight\n", humanBytes(bytes),
             params / 1e6, params ? 8.0 * bytes / params : 0.0);
  return 0;
}

int compile() {
  if (output.empty())
    return fail("compile needs -o OUTPUT");
  std::optional<anec::exporter::TargetOS> parsed = anec::exporter::parseTargetOS(targetOs);
  if (!parsed)
    return fail(fmt::format("--os must be ios16, ios17 or ios18, got '{}'", targetOs.getValue()));
  anec::exporter::TargetOS os = *parsed;
  if (format != "mlpackage" && format != "mil")
    return fail(fmt::format("--format must be mlpackage or mil, got '{}'", format.getValue()));

  DialectRegistry registry;
  anec::registerDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  PassManager pm(&ctx);
  std::string passes = pipeline;
  // The compression pass writes its report to a temporary file with a
  // name safe inside a pipeline string; it is printed and moved into place.
  llvm::SmallString<128> reportTmp;
  if (!quantReport.empty()) {
    if (weights == "fp16")
      return fail("--quant-report needs compressed weights (--weights other than fp16)");
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("anec-quant", "json", reportTmp))
      return fail(fmt::format("cannot create a temporary file: {}", ec.message()));
  }
  std::string reportOption =
      reportTmp.empty() ? "" : fmt::format(" report-file={}", reportTmp.str());
  if (weights == "int8")
    passes += ",anec-quantize-weights{" + reportOption + "},canonicalize";
  else if (weights == "int8-per-channel")
    passes += ",anec-quantize-weights{granularity=per_channel" + reportOption + "},canonicalize";
  else if (llvm::StringRef(weights).starts_with("lut") &&
           llvm::is_contained({"lut1", "lut2", "lut3", "lut4", "lut6", "lut8"},
                              weights.getValue())) {
    // Per-grouped-channel LUTs (32 channels) need iOS18; before, one per tensor.
    std::string nbits = weights.substr(3);
    passes += ",anec-palettize-weights{nbits=" + nbits +
              (targetOs == "ios18" ? " granularity=per_grouped_channel group-size=32" : "") +
              reportOption + "},canonicalize";
  } else if (llvm::StringRef(weights).starts_with("mixed:")) {
    // A bit budget: each weight gets 2-8 bits where they cut the most error.
    double budget = 0;
    if (llvm::StringRef(weights).drop_front(6).getAsDouble(budget) || !(budget >= 2) ||
        !(budget <= 8))
      return fail(fmt::format("--weights=mixed:B needs an average bit width B from 2 to 8, "
                              "got '{}'",
                              weights.getValue()));
    std::string grouping =
        targetOs == "ios18" ? " granularity=per_grouped_channel group-size=32" : "";
    passes += fmt::format(",anec-palettize-weights{{mixed-bits={}{}{}}},canonicalize", budget,
                          grouping, reportOption);
  } else if (weights != "fp16")
    return fail(fmt::format("--weights must be fp16, int8, int8-per-channel, lut1/2/3/4/6/8 or "
                            "mixed:B, got '{}'",
                            weights.getValue()));
  auto removeReportTmp = llvm::make_scope_exit([&] {
    if (!reportTmp.empty())
      llvm::sys::fs::remove(reportTmp);
  });
  if (failed(parsePassPipeline(passes, pm, llvm::errs())))
    return fail(fmt::format("bad pipeline '{}'", pipeline.getValue()));
  if (printPipeline) {
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    return 0;
  }
  if (!quiet)
    fmt::print(stderr, "anec compile {} -> {}\n", input.getValue(), output.getValue());
  Timer timer;
  auto module = load(ctx, input);
  if (!module.ok())
    return fail(std::string(module.status().message()));
  timer.done("import");
  if (failed(pm.run(**module)))
    return fail("the pass pipeline failed");
  timer.done("pipeline");
  if (!reportTmp.empty()) {
    if (int rc = publishQuantReport(reportTmp.str().str(), quantReport))
      return rc;
  }

  auto write = [&](ModuleOp m, const std::string &path) {
    return format == "mil" ? anec::exporter::writeMilText(m, path, {os})
                           : anec::exporter::writeMlPackage(m, path, {os});
  };
  auto writtenOr = anec::exporter::writeChunked(**module, output, maxFileSize, write);
  if (!writtenOr.ok())
    return fail(std::string(writtenOr.status().message()));
  std::vector<std::string> written = std::move(*writtenOr);
  timer.done("export");

  if (!quiet) {
    auto [bytes, params] = weightStats(**module);
    uint64_t in = pathBytes(input), out = 0;
    for (const std::string &w : written)
      out += pathBytes(w);
    double total = 0;
    for (const Step &s : timer.steps)
      total += s.seconds;
    fmt::print(stderr, "summary\n");
    fmt::print(stderr, "  input      {}\n", humanBytes(in));
    fmt::print(stderr, "  output     {} ({} file{})\n", humanBytes(out), written.size(),
               written.size() == 1 ? "" : "s");
    fmt::print(stderr, "  weights    {:.2f} M values, {:.2f} bits per weight\n", params / 1e6,
               params ? 8.0 * bytes / params : 0.0);
    fmt::print(stderr, "  time       {:.2f} s, peak memory {:.0f} MiB\n", total, peakRssMiB());
    for (const std::string &w : written)
      fmt::print(stderr, "  wrote      {}\n", w);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  anec::registerPasses();
  cl::ParseCommandLineOptions(argc, argv, "anec: transformer models to Apple Neural Engine programs\n");
  if (command == "compile")
    return compile();
  if (command == "inspect")
    return inspect();
  return fail(fmt::format("unknown command '{}' (compile, inspect)", command.getValue()));
}
