//===- anec.cpp - the anec driver: one command from a model to a package --===//
//
//   anec compile INPUT -o OUTPUT [options]   (anec compile --help)
//   anec inspect PATH
//
// INPUT is a Hugging Face folder, a .gguf, an .mlpackage, a MIL text folder,
// or a mil .mlir/.mlirbc file. The work is anec::compile (include/anec/
// Compiler.h); this file is the command line: options, progress, tables,
// the summary, and the report files.
//
//===----------------------------------------------------------------------===//
#include "lib/Hwx/HwxFile.h"
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "anec/Compiler.h"
#include "anec/Registration.h"
#include "lib/Driver/Load.h"
#include "lib/Support/AtomicFile.h"
#include "lib/Support/OutputPath.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <fmt/format.h>

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

// --help lists these groups only (LLVM's own options are hidden).
static cl::OptionCategory kIoCat("Input and output");
static cl::OptionCategory kModelCat("Program shape");
static cl::OptionCategory kWeightsCat("Weights");
static cl::OptionCategory kTargetCat("Target and partition");
static cl::OptionCategory kReportCat("Reports");
static cl::OptionCategory kGeneralCat("General");

static cl::opt<std::string> command(cl::Positional, cl::desc("<compile|inspect>"), cl::Required, cl::cat(kIoCat));
static cl::opt<std::string> input(cl::Positional, cl::desc("<input>"), cl::Required, cl::cat(kIoCat));
static cl::opt<std::string> output("o", cl::desc("Output package (or MIL text folder)"), cl::cat(kIoCat));
static cl::opt<std::string> format("format", cl::desc("mlpackage, mil, or hwx (a native M1 program, --target=m1)"), cl::init("mlpackage"), cl::cat(kIoCat));
static cl::opt<std::string> targetOs("os", cl::desc("ios16, ios17 or ios18"), cl::init("ios18"), cl::cat(kIoCat));
static cl::opt<int64_t> prefill("prefill", cl::desc("Tokens per prefill call"), cl::init(64), cl::cat(kModelCat));
static cl::opt<int64_t> context("context", cl::desc("KV-cache length"), cl::init(512), cl::cat(kModelCat));
static cl::opt<std::string> head("head",
                                cl::desc("What each call returns: logits (default), argmax (the "
                                         "next ids) or topk:K (the K best ids and logits)"),
                                cl::init("logits"), cl::cat(kModelCat));
static cl::opt<std::string> kvMode("kv",
                                  cl::desc("KV caches as Core ML states (state, default) or as "
                                           "inputs and outputs (io), for chips without stateful "
                                           "decode"),
                                  cl::init("state"), cl::cat(kModelCat));
static cl::opt<uint64_t> maxFileSize("max-file-size",
                                     cl::desc("Largest weight file; larger programs are chunked"),
                                     cl::init(1000000000ull), cl::cat(kIoCat));
static cl::opt<std::string> pipeline("pipeline",
                                     cl::desc("ANE pass pipeline (textual form) instead of the default"),
                                     cl::init("anec-ane-pipeline"), cl::cat(kModelCat));
static cl::opt<std::string> weights(
    "weights",
    cl::desc("Weight format: fp16, int8 (per tensor, symmetric), int8-per-channel, or lutN "
             "(N = 1, 2, 3, 4, 6, 8: k-means palettization, per 32-channel group on iOS18), or "
             "mixed:B (palettization with 2-8 bits per weight, B bits on average)"),
    cl::init("fp16"), cl::cat(kWeightsCat));
static cl::opt<int64_t> lutGroup(
    "lut-group", cl::desc("Output channels sharing one LUT with --weights=lutN or mixed:B on "
                          "iOS18 (default 32; 8 is finer and larger)"),
    cl::init(32), cl::cat(kWeightsCat));
static cl::opt<bool> lutChannelScale(
    "lut-channel-scale",
    cl::desc("With --weights=lutN or mixed:B: cluster each output channel divided by its "
             "largest value, the scale applied back on the device (iOS18)"), cl::cat(kWeightsCat));
static cl::opt<std::string> target(
    "target",
    cl::desc("The chip the partition and estimates are for: m1, m2, m3, m4, m4-pro, m4-max, "
             "a17-pro, or a target .json file"),
    cl::init("m4"), cl::cat(kTargetCat));
static cl::opt<std::string> computeUnits(
    "compute-units",
    cl::desc("Units the app lets the program use (Core ML's MLComputeUnits): cpu_and_ne (the "
             "default: deployment on the Neural Engine, as ANEMLL does), all, cpu_and_gpu, "
             "cpu_only"),
    cl::init("cpu_and_ne"), cl::cat(kTargetCat));
static cl::opt<bool> explain("explain",
                             cl::desc("Say, at each op kept off the Neural Engine, where it runs "
                                      "and why"), cl::cat(kTargetCat));
static cl::opt<std::string> reportFile(
    "report", cl::desc("Write one JSON report (partition, quantization, sizes, timings)"), cl::cat(kReportCat));
static cl::opt<std::string> quantReport(
    "quant-report",
    cl::desc("Write what compression did to each weight as JSON, and print it as a table"), cl::cat(kReportCat));
static cl::opt<std::string> partitionReport(
    "partition-report",
    cl::desc("Write the compute-unit partition as JSON, and print its segments as a table"), cl::cat(kReportCat));
static cl::opt<std::string> graph(
    "graph", cl::desc("Draw the program, ops coloured by compute unit and segments boxed "
                      "(FILE.svg, .png or .pdf through Graphviz, or .dot)"), cl::cat(kReportCat));
static cl::opt<bool> passTiming("pass-timing",
                                cl::desc("Print the time of every pass when the pipeline ends"), cl::cat(kReportCat));
static cl::opt<unsigned> jobs("j", cl::desc("Worker threads (default: every core)"), cl::init(0), cl::cat(kGeneralCat));
static cl::opt<bool> printPipeline("print-pipeline", cl::desc("Print the pass pipeline and exit"), cl::cat(kModelCat));
static cl::opt<bool> registers(
    "registers", cl::desc("inspect: decode an Apple ANE program (.hwx, M1/H13), one line per "
                          "register field"),
    cl::cat(kIoCat));
static cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors"), cl::cat(kGeneralCat));
static cl::opt<bool> force("force",
                           cl::desc("Replace an existing output that anec did not write (never "
                                    "an input, never a device)"), cl::cat(kIoCat));
static cl::extrahelp exitCodes(R"(
Commands:
  compile INPUT -o OUTPUT   Compile a model (Hugging Face folder, .gguf, .mlpackage, MIL text
                            folder, or mil .mlir/.mlirbc) into a Core ML package for the
                            Neural Engine, with a summary of sizes, ANE residency and
                            estimated speed on --target.
  inspect PATH              Describe a package, MIL text folder or .mlir: functions, inputs,
                            outputs and states, op counts (by compute unit when partitioned),
                            weights by tensor and compression. With --registers, an
                            Apple .hwx (H13) program: its Mach-O layout, every task's register
                            fields by name, the weight section's size and SHA-256.

Examples:
  anec compile path/to/hf-model -o model.mlpackage
  anec compile model.gguf -o model.mlpackage --weights=lut4 --lut-group=8 --quant-report=q.json
  anec compile hf-model -o m.mlpackage --weights=int8 --target=m4-pro --report=report.json
  anec inspect model.mlpackage
  anec inspect --registers model.hwx > fields.txt

Exit codes: 0 success; 1 the input or the compilation failed (the message names the file and
the cause); 2 a bad command line.
)");

namespace {

int fail(const std::string &message, int code = 1) {
  fmt::print(stderr, "anec: error: {}\n", message);
  return code;
}

std::string humanBytes(double b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (b >= 1024 && u < 3)
    b /= 1024, ++u;
  return fmt::format("{:.1f} {}", b, units[u]);
}

/// `text` to `path`, whole or not at all.
int writeReport(const std::string &path, const std::string &text, const char *what) {
  absl::Status written = anec::writeFileAtomically(path, text, what);
  return written.ok() ? 0 : fail(std::string(written.message()));
}

/// Progress on long steps: a line redrawn in place on a terminal, a plain
/// line every 10% (or every 256 MiB written) otherwise.
class ProgressDisplay {
public:
  ProgressDisplay() : tty(isatty(STDERR_FILENO)) {}
  void operator()(std::string_view step, int64_t done, int64_t total) {
    auto now = std::chrono::steady_clock::now();
    std::string line = total > 0 ? fmt::format("  {:<10} {:>6} / {} ({:.0f}%)", step, done, total,
                                               100.0 * done / total)
                                 : fmt::format("  {:<10} {} written", step, humanBytes(done));
    if (tty) {
      if (now - lastDraw < std::chrono::milliseconds(100) && done != total)
        return;
      lastDraw = now;
      fmt::print(stderr, "\r{:<60}", line);
      drawn = true;
      return;
    }
    int64_t bucket = total > 0 ? done * 10 / total : done >> 28;
    if (step != lastStep)
      lastBucket = -1, lastStep = std::string(step);
    if (bucket != lastBucket) {
      lastBucket = bucket;
      if (total > 0 || bucket > 0)
        fmt::print(stderr, "{}\n", line);
    }
  }
  /// Clears the redrawn line before other output.
  void clear() {
    if (drawn)
      fmt::print(stderr, "\r{:<60}\r", "");
    drawn = false;
  }

private:
  bool tty, drawn = false;
  std::string lastStep;
  int64_t lastBucket = -1;
  std::chrono::steady_clock::time_point lastDraw;
};

/// The top object of a report, or null when it is not one.
std::optional<llvm::json::Object> reportObject(const std::string &json) {
  llvm::Expected<llvm::json::Value> parsed = anec::parseJson(json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return std::nullopt;
  }
  if (llvm::json::Object *o = parsed->getAsObject())
    return std::move(*o);
  return std::nullopt;
}

void printQuantTable(const std::string &json) {
  std::optional<llvm::json::Object> report = reportObject(json);
  if (!report)
    return;
  const llvm::json::Object *root = &*report;
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
                 snr ? fmt::format("{:.1f}", *snr) : std::string("exact"), num(*w, "max_abs_error"));
    }
  if (const llvm::json::Object *t = root->getObject("totals"))
    fmt::print(stderr, "{} weights, {:.0f} values: {} -> {}, {:.2f} bits per weight\n",
               (int64_t)num(*t, "weights"), num(*t, "elements"),
               humanBytes(num(*t, "bytes_before")), humanBytes(num(*t, "bytes_after")),
               num(*t, "bits_per_weight"));
  // What the writer put on disk, which the figures above only plan.
  if (const llvm::json::Object *w = root->getObject("written")) {
    fmt::print(stderr, "written: weight files {}", humanBytes(num(*w, "weight_file_bytes")));
    if (double extra = num(*w, "repeated_extra_bytes"))
      fmt::print(stderr, ", of which {} repeat weights across chunks", humanBytes(extra));
    fmt::print(stderr, "\n");
  }
}

void printPartitionTable(const std::string &json) {
  std::optional<llvm::json::Object> report = reportObject(json);
  if (!report)
    return;
  const llvm::json::Object *root = &*report;
  fmt::print(stderr, "{:<12} {:>4} {:>6} {:>12} {:>12} {:>12}\n", "function", "unit", "ops",
             "GFLOP", "weights", "est. ms");
  if (const llvm::json::Array *segments = root->getArray("segments"))
    for (const llvm::json::Value &v : *segments) {
      const llvm::json::Object *s = v.getAsObject();
      if (!s)
        continue;
      fmt::print(stderr, "{:<12} {:>4} {:>6} {:>12.3f} {:>12} {:>12.3f}\n",
                 s->getString("function").value_or("").str(),
                 s->getString("compute_unit").value_or("").str(),
                 (int64_t)s->getNumber("ops").value_or(0), s->getNumber("flops").value_or(0) / 1e9,
                 humanBytes(s->getNumber("weight_bytes").value_or(0)),
                 s->getNumber("estimated_ms").value_or(0));
    }
}

int compileCommand() {
  anec::CompileOptions o;
  o.input = input;
  o.output = output;
  o.format = format;
  o.os = targetOs;
  o.prefill = prefill;
  o.context = context;
  o.head = head;
  o.kv = kvMode;
  o.maxFileSize = maxFileSize;
  o.lutGroupSize = lutGroup;
  o.lutChannelScale = lutChannelScale;
  o.pipeline = pipeline;
  o.weights = weights;
  o.target = target;
  o.computeUnits = computeUnits;
  o.explain = explain;
  o.threads = jobs;
  o.graph = graph;
  o.passTiming = passTiming;
  o.force = force;
  if (printPipeline) {
    absl::StatusOr<std::string> p = anec::compilePipeline(o);
    if (!p.ok())
      return fail(std::string(p.status().message()), 2);
    fmt::print("{}\n", *p);
    return 0;
  }
  if (output.empty())
    return fail("compile needs -o OUTPUT", 2);
  if (!quantReport.empty() && weights == "fp16")
    return fail("--quant-report needs compressed weights (--weights other than fp16)", 2);
  // Reports are checked before the work, as the package is.
  for (const std::string *report : {&reportFile.getValue(), &quantReport.getValue(),
                                    &partitionReport.getValue()})
    if (!report->empty())
      if (absl::Status s = anec::support::checkOutput(*report, anec::support::OutputKind::File,
                                                      {input, output}, force);
          !s.ok())
        return fail(std::string(s.message()));
  ProgressDisplay display;
  if (!quiet)
    o.progress = [&](std::string_view step, int64_t done, int64_t total) {
      display(step, done, total);
    };
  if (!quiet)
    fmt::print(stderr, "anec compile {} -> {}\n", input.getValue(), output.getValue());
  absl::StatusOr<anec::CompileResult> r = anec::compile(o);
  display.clear();
  if (!r.ok())
    return fail(std::string(r.status().message()),
                r.status().code() == absl::StatusCode::kInvalidArgument &&
                        r.status().message().find("--") == 0
                    ? 2
                    : 1);
  if (!reportFile.empty())
    if (int rc = writeReport(reportFile, r->report, "report"))
      return rc;
  if (!quantReport.empty())
    if (int rc = writeReport(quantReport, r->quantizationReport, "compression report"))
      return rc;
  if (!partitionReport.empty())
    if (int rc = writeReport(partitionReport, r->partitionReport, "partition report"))
      return rc;
  if (quiet)
    return 0;
  for (const anec::CompileResult::Step &s : r->steps)
    fmt::print(stderr, "  {:<10} {:>8.2f} s\n", s.name, s.seconds);
  if (!quantReport.empty())
    printQuantTable(r->quantizationReport);
  if (!partitionReport.empty())
    printPartitionTable(r->partitionReport);
  double total = 0;
  for (const anec::CompileResult::Step &s : r->steps)
    total += s.seconds;
  fmt::print(stderr, "summary\n");
  fmt::print(stderr, "  input      {}\n", humanBytes(r->inputBytes));
  fmt::print(stderr, "  output     {} ({} file{})\n", humanBytes(r->outputBytes), r->written.size(),
             r->written.size() == 1 ? "" : "s");
  fmt::print(stderr, "  weights    {:.2f} M values, {:.2f} bits per weight; weight files {}\n",
             r->weightValues / 1e6,
             r->weightValues ? 8.0 * r->weightBytes / r->weightValues : 0.0,
             humanBytes(r->weightFileBytes));
  for (const anec::CompileResult::RepeatedWeight &w : r->repeatedWeights)
    fmt::print(stderr, "  repeated   '{}' is stored by chunks {}: {} a copy, {} extra\n", w.name,
               fmt::join(w.chunks, ", "), humanBytes(w.bytes),
               humanBytes(w.bytes * (w.chunks.size() - 1)));
  fmt::print(stderr, "  ANE        {:.0f}% of ops, {:.1f}% of FLOPs, {} transition{} ({}, {})\n",
             100 * r->aneOpsFraction, 100 * r->aneFlopsFraction, r->transitions,
             r->transitions == 1 ? "" : "s", r->targetName, computeUnits.getValue());
  if (r->decodeTokensPerSecond || r->prefillMs)
    fmt::print(stderr, "  estimate   {}{}{} on {} (from the target's figures, not measured)\n",
               r->decodeTokensPerSecond
                   ? fmt::format("decode {:.1f} tokens/s", *r->decodeTokensPerSecond)
                   : std::string(),
               r->decodeTokensPerSecond && r->prefillMs ? ", " : "",
               r->prefillMs ? fmt::format("prefill of {} tokens {:.2f} ms", prefill.getValue(),
                                          *r->prefillMs)
                            : std::string(),
               r->targetName);
  fmt::print(stderr, "  time       {:.2f} s, peak memory {:.0f} MiB\n", total, r->peakRssMiB);
  for (const std::string &w : r->written)
    fmt::print(stderr, "  wrote      {}\n", w);
  return 0;
}

/// anec inspect --registers X.hwx: the decode of lib/Hwx/HwxFile.h.
int inspectRegisters() {
  auto file = anec::hwx::readHwxFile(input);
  if (!file.ok())
    return fail(std::string(file.status().message()));
  for (const std::string &line : anec::hwx::describe(*file))
    fmt::print("{}\n", line);
  return 0;
}

int inspectCommand() {
  if (registers)
    return inspectRegisters();
  DialectRegistry registry;
  anec::registerDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  anec::import::ImportOptions options;
  options.prefill = prefill;
  options.context = context;
  auto module = anec::driver::loadModel(ctx, input, options);
  if (!module.ok())
    return fail(std::string(module.status().message()));
  // Where each op would run on --target: the partition, unless the program
  // already carries one (a partitioned .mlir).
  bool partitioned = false;
  (*module)->walk([&](Operation *op) {
    partitioned |= op->hasAttr("mil.compute_unit");
  });
  if (!partitioned) {
    PassManager pm(&ctx);
    std::string errors;
    llvm::raw_string_ostream es(errors);
    if (failed(parsePassPipeline(fmt::format("anec-partition{{target={} compute-units={}}}",
                                             target.getValue(), computeUnits.getValue()),
                                 pm, es)) ||
        failed(pm.run(**module)))
      return fail(fmt::format("cannot partition for --target={}: {}", target.getValue(), errors), 2);
  }
  fmt::print("{}\n", input.getValue());
  // The interface a runner reads (user-defined metadata of a package).
  if (auto dict = (**module)->getAttrOfType<DictionaryAttr>("anec.interface")) {
    fmt::print("metadata\n");
    for (NamedAttribute entry : dict)
      if (auto s = dyn_cast<StringAttr>(entry.getValue()))
        fmt::print("  {:<24} {}\n", entry.getName().str(), s.str());
  }
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
    std::map<std::string, int> units;
    fn.walk([&](Operation *op) {
      if (op == fn.getOperation())
        return;
      ++counts[op->getName().getStringRef().str()];
      if (auto u = op->getAttrOfType<StringAttr>("mil.compute_unit"))
        ++units[u.str()];
    });
    for (auto &[name, n] : counts)
      fmt::print("    {:<40} {:>6}\n", name, n);
    for (auto &[unit, n] : units)
      fmt::print("    ops on {:<33} {:>6}{}\n", unit, n,
                 partitioned ? "" : fmt::format(" (partitioned for {})", target.getValue()));
  }
  // Weights by tensor: name, shape, form and stored bytes, each once.
  struct Row {
    std::string form;
    uint64_t bytes = 0;
  };
  std::map<std::string, Row> rows;
  (*module)->walk([&](anec::mil::ConstOp c) {
    if (c.getType().getNumElements() < 2048)
      return;
    std::string form = "fp16";
    for (Operation *u : c->getUsers()) {
      if (isa<anec::mil::ConstexprLutToDenseOp>(u))
        form = "LUT";
      else if (isa<anec::mil::ConstexprAffineDequantizeOp>(u))
        form = "int8";
      else if (isa<anec::mil::ConstexprBlockwiseShiftScaleOp>(u))
        form = "blockwise";
    }
    std::string name;
    if (auto n = dyn_cast<NameLoc>(c.getLoc()))
      name = n.getName().str();
    else
      name = "(unnamed)";
    Type e = c.getType().getElementType();
    unsigned bits = e.isIntOrFloat() ? e.getIntOrFloatBitWidth() : 16;
    Row &row = rows[name + " " + form];
    row.form = form;
    row.bytes = std::max<uint64_t>(row.bytes, (c.getType().getNumElements() * bits + 7) / 8);
  });
  if (!rows.empty()) {
    fmt::print("weights by tensor (largest stored constant each):\n");
    for (auto &[key, row] : rows)
      fmt::print("  {:<56} {:>5} {:>10}\n", key.substr(0, key.rfind(' ')), row.form,
                 humanBytes(row.bytes));
  }
  auto [bytes, params] = anec::driver::weightStats(**module);
  fmt::print("weights: {} in {:.2f} M values, {:.2f} bits per weight\n", humanBytes(bytes),
             params / 1e6, params ? 8.0 * bytes / params : 0.0);
  if (uint64_t onDisk = anec::driver::weightFileBytes(input))
    fmt::print("weight file: {} on disk ({} bytes)\n", humanBytes(onDisk), onDisk);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Weights pass through large temporary buffers: a fixed mmap threshold
  // returns each to the system when freed (glibc's adaptive threshold would
  // keep them in the heap, and in the peak RSS, for the rest of the run).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  anec::registerPasses();
  cl::HideUnrelatedOptions({&kIoCat, &kModelCat, &kWeightsCat, &kTargetCat, &kReportCat, &kGeneralCat});
  cl::ParseCommandLineOptions(argc, argv,
                              "anec: transformer models to Apple Neural Engine programs\n");
  anec::support::removeTemporariesOnInterrupt();
  if (command == "compile")
    return compileCommand();
  if (command == "inspect")
    return inspectCommand();
  return fail(fmt::format("unknown command '{}' (compile, inspect)", command.getValue()), 2);
}
