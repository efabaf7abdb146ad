//===- Compile.cpp - a model in, an ANE program out (the C++ API) ---------===//
//
// The steps of `anec compile`: load, the pass pipeline (ANE shaping, weight
// compression, partitioning), export in chunks. The passes write their
// reports to temporary files (a path is the only thing a textual pipeline
// can carry), which are read back into the result and removed.
//
//===----------------------------------------------------------------------===//
#include "lib/Driver/CompileHwx.h"
#include "lib/Support/AtomicFile.h"
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "anec/Compiler.h"
#include "anec/Progress.h"
#include "anec/Registration.h"
#include "lib/Driver/Graph.h"
#include "lib/Driver/Load.h"
#include "lib/Export/Chunking.h"
#include "lib/Export/MilTextWriter.h"
#include "lib/Export/MlPackageWriter.h"
#include "lib/Partition/Target.h"
#include "lib/Support/OutputPath.h"

#include "absl/strings/str_cat.h"
#include "mlir/IR/Diagnostics.h"
#include "dialects/Mil/MilDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <sys/resource.h>

#include <chrono>

using namespace mlir;

namespace {

/// Temporary files for the passes' reports, removed on every path out.
struct ReportFiles {
  llvm::SmallString<128> quantization, partition;
  ~ReportFiles() {
    for (auto *p : {&quantization, &partition})
      if (!p->empty()) {
        llvm::sys::fs::remove(*p);
        llvm::sys::DontRemoveFileOnSignal(*p);
      }
  }
};

absl::Status makeTemp(const char *prefix, llvm::SmallString<128> &path) {
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(prefix, "json", path))
    return absl::InternalError(absl::StrCat("cannot create a temporary file: ", ec.message()));
  // Gone on SIGINT/SIGTERM too (the destructor of ReportFiles does not run).
  llvm::sys::RemoveFileOnSignal(path);
  return absl::OkStatus();
}

std::string readText(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

/// The compression part of the pipeline for `weights`, or an error.
absl::StatusOr<std::string> compressionPasses(const anec::CompileOptions &o,
                                              const std::string &reportOption) {
  const std::string &w = o.weights;
  // Per-grouped-channel LUTs (32 channels by default) need iOS18; before,
  // one per tensor.
  if (o.lutGroupSize < 1 || o.lutGroupSize > 4096)
    return absl::InvalidArgumentError(
        absl::StrCat("--lut-group must be 1 to 4096 channels, got ", o.lutGroupSize));
  std::string grouping =
      o.os == "ios18"
          ? absl::StrCat(" granularity=per_grouped_channel group-size=", o.lutGroupSize)
          : "";
  bool lut = llvm::is_contained({"lut1", "lut2", "lut3", "lut4", "lut6", "lut8"}, w) ||
             llvm::StringRef(w).starts_with("mixed:");
  if (o.lutChannelScale && !lut)
    return absl::InvalidArgumentError(absl::StrCat(
        "--lut-channel-scale needs --weights=lutN or mixed:B (got --weights=", w, ")"));
  if (o.lutChannelScale && o.os != "ios18")
    return absl::InvalidArgumentError(absl::StrCat(
        "--lut-channel-scale needs --os=ios18: its scales are iOS18's "
        "constexpr_blockwise_shift_scale (got --os=",
        o.os, ")"));
  if (o.lutChannelScale)
    grouping += " per-channel-scale=true";
  if (w == "fp16")
    return std::string();
  // Per-tensor INT8 first moves the weights' outlier input channels into
  // the norms' gammas and the up projections' rows (anec-equalize-channels).
  if (w == "int8")
    return ",anec-equalize-channels,anec-quantize-weights{" + reportOption + "},canonicalize";
  if (w == "int8-per-channel")
    return ",anec-quantize-weights{granularity=per_channel" + reportOption + "},canonicalize";
  if (w == "lut3" && o.os != "ios18")
    return absl::InvalidArgumentError(absl::StrCat(
        "--weights=lut3 needs --os=ios18: 3-bit LUTs are iOS18's (got --os=", o.os, ")"));
  if (llvm::is_contained({"lut1", "lut2", "lut3", "lut4", "lut6", "lut8"}, w))
    return ",anec-palettize-weights{nbits=" + w.substr(3) + grouping + reportOption +
           "},canonicalize";
  if (llvm::StringRef(w).starts_with("mixed:")) {
    // A bit budget: each weight gets 2-8 bits where they cut the most error.
    double budget = 0;
    if (llvm::StringRef(w).drop_front(6).getAsDouble(budget) || !(budget >= 2) ||
        !(budget <= 8))
      return absl::InvalidArgumentError(absl::StrCat(
          "--weights=mixed:B needs an average bit width B from 2 to 8, got '", w, "'"));
    return absl::StrCat(",anec-palettize-weights{mixed-bits=", budget, grouping, reportOption,
                        "},canonicalize");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--weights must be fp16, int8, int8-per-channel, lut1/2/3/4/6/8 or mixed:B, got '", w,
      "'"));
}

/// Marks `module` as a program of opset `os` and verifies it there: an
/// imported program that uses what the opset lacks is refused by name.
absl::Status setOpset(ModuleOp module, const std::string &os, const std::string &input) {
  std::string messages;
  if (failed(anec::mil::verifyInOpset(module, *anec::mil::parseOpset(os), messages)))
    return absl::InvalidArgumentError(
        absl::StrCat(input, ": the program does not fit the ", os, " opset: ", messages));
  return absl::OkStatus();
}

/// A context with anec's dialects and passes, single-threaded until a pool
/// is given.
std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  anec::registerDialects(registry);
  anec::registerPasses();
  return std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
}

/// The user's pipeline without the `builtin.module(...)` or `any(...)`
/// wrapper that --print-pipeline and mlir-opt print: the driver nests the
/// passes on the module itself.
std::string unwrapPipeline(llvm::StringRef text) {
  text = text.trim();
  for (llvm::StringRef wrapper : {"builtin.module(", "any("}) {
    if (text.starts_with(wrapper) && text.ends_with(")")) {
      // Only a wrapper around the whole text: its parenthesis closes last.
      llvm::StringRef inner = text.drop_front(wrapper.size()).drop_back();
      int depth = 0;
      bool whole = true;
      for (char c : inner) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (depth < 0) {
          whole = false;
          break;
        }
      }
      if (whole && depth == 0)
        return unwrapPipeline(inner);
    }
  }
  return text.str();
}

/// `text` parsed into `pm`; the parser's words as the error, naming the
/// pipeline the user gave.
absl::Status parsePipeline(const std::string &text, const std::string &userPipeline,
                           PassManager &pm) {
  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  if (failed(parsePassPipeline(text, pm, errs)))
    return absl::InvalidArgumentError(absl::StrCat("bad pipeline '", userPipeline, "': ",
                                                   llvm::StringRef(parseErrors).trim().str()));
  return absl::OkStatus();
}

/// True when `pm` holds at least one pass, in nested pipelines too: its
/// printed form is more than op anchors (`func.func(`), parentheses and
/// commas.
bool hasPasses(OpPassManager &pm) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  llvm::StringRef rest(text);
  while (!rest.empty()) {
    size_t name = rest.find_first_not_of(" ,()");
    if (name == llvm::StringRef::npos)
      return false;
    rest = rest.drop_front(name);
    size_t end = rest.find_first_of(" ,(){");
    if (end == llvm::StringRef::npos || rest[end] != '(')
      return true; // a name not opening a nested pipeline: a pass
    rest = rest.drop_front(end + 1);
  }
  return false;
}

/// The two halves of what compile runs: the ANE-shaping pipeline (opset-
/// agnostic), and then, once the program is marked with its opset,
/// compression and partitioning (which choose forms by the opset).
struct Pipelines {
  std::string shaping, target;
  std::string joined() const { return shaping + target; }
};

absl::StatusOr<Pipelines> buildPipeline(const anec::CompileOptions &o, llvm::StringRef quantFile,
                                        llvm::StringRef partitionFile) {
  std::string quantOption = quantFile.empty() ? "" : absl::StrCat(" report-file=", quantFile.str());
  absl::StatusOr<std::string> compression = compressionPasses(o, quantOption);
  if (!compression.ok())
    return compression.status();
  // Target names and unit sets are checked here, so a bad one is an error
  // naming the option rather than a pipeline parse error.
  if (o.target.find_first_of(" {}") != std::string::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("--target '", o.target, "' cannot contain spaces or braces"));
  if (absl::StatusOr<anec::partition::Target> t = anec::partition::loadTarget(o.target); !t.ok())
    return absl::InvalidArgumentError(absl::StrCat("--target: ", t.status().message()));
  if (!llvm::is_contained({"all", "cpu_and_ne", "cpu_and_gpu", "cpu_only"}, o.computeUnits))
    return absl::InvalidArgumentError(absl::StrCat(
        "--compute-units must be all, cpu_and_ne, cpu_and_gpu or cpu_only, got '",
        o.computeUnits, "'"));
  std::string partition = absl::StrCat(",anec-partition{target=", o.target,
                                       " compute-units=", o.computeUnits,
                                       o.explain ? " explain=true" : "");
  if (!partitionFile.empty())
    absl::StrAppend(&partition, " report-file=", partitionFile.str());
  partition += "}";
  std::string user = unwrapPipeline(o.pipeline);
  {
    // The user's pipeline alone must be passes: text that parses to none
    // (an empty wrapper, a lone comma) is a mistake, not a no-op.
    std::unique_ptr<MLIRContext> ctx = makeContext();
    PassManager pm(ctx.get());
    if (absl::Status s = parsePipeline(user, o.pipeline, pm); !s.ok())
      return s;
    if (!hasPasses(pm))
      return absl::InvalidArgumentError(
          absl::StrCat("bad pipeline '", o.pipeline, "': it names no pass"));
  }
  std::string target = *compression + partition;
  // The second half runs on its own: its leading comma goes.
  return Pipelines{user, target};
}

/// Beside the package: `STEM.interface.json` (each package's interface
/// metadata, for runners that do not read protobuf) and the checkpoint's
/// tokenizer files as `STEM.<file>`; each path is added to `written`.
absl::Status writeInterface(
    const anec::CompileOptions &o,
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
        &interfaces,
    std::vector<std::string> &written) {
  llvm::StringRef out(o.output);
  std::string stem = out.drop_back(llvm::sys::path::extension(out).size()).str();
  llvm::SmallString<256> folder(o.output);
  llvm::sys::path::remove_filename(folder);
  // The tokenizer travels with the model (a Hugging Face folder's files).
  llvm::json::Array tokenizer;
  if (!o.input.empty() && llvm::sys::fs::is_directory(o.input))
    for (const char *name : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model",
                             "special_tokens_map.json", "generation_config.json"}) {
      llvm::SmallString<256> from(o.input);
      llvm::sys::path::append(from, name);
      if (!llvm::sys::fs::exists(from))
        continue;
      if (absl::Status s = anec::requireRegularFile(from); !s.ok())
        return s;
      uint64_t size = 0;
      if (llvm::sys::fs::file_size(from, size) || size > (uint64_t(512) << 20))
        return absl::InvalidArgumentError(
            absl::StrCat(from.str().str(), ": not a tokenizer file anec copies (over 512 MiB)"));
      auto text = llvm::MemoryBuffer::getFile(from, /*IsText=*/false);
      if (!text)
        return absl::NotFoundError(absl::StrCat(from.str().str(), ": cannot read"));
      std::string to = absl::StrCat(stem, ".", name);
      if (absl::Status s = anec::support::checkOutput(to, anec::support::OutputKind::File, {o.input}, o.force);
          !s.ok())
        return s;
      if (absl::Status s = anec::writeFileAtomically(to, (*text)->getBuffer().str(), "tokenizer file");
          !s.ok())
        return s;
      written.push_back(to);
      tokenizer.push_back(llvm::sys::path::filename(to).str());
    }
  llvm::json::Array packages;
  for (const auto &[name, keys] : interfaces) {
    llvm::json::Object metadata;
    for (const auto &[k, v] : keys)
      metadata[k] = v;
    packages.push_back(llvm::json::Object{{"package", name}, {"metadata", std::move(metadata)}});
  }
  std::string manifest = stem + ".interface.json";
  if (absl::Status s =
          anec::support::checkOutput(manifest, anec::support::OutputKind::File, {o.input}, o.force);
      !s.ok())
    return s;
  std::string text =
      llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                 {"format", "anec interface 1"},
                                 {"packages", std::move(packages)},
                                 {"tokenizer", std::move(tokenizer)}}))
          .str() +
      "\n";
  if (absl::Status s = anec::writeFileAtomically(manifest, text, "interface manifest"); !s.ok())
    return s;
  written.push_back(manifest);
  return absl::OkStatus();
}

uint64_t pathBytes(const std::string &path) {
  if (llvm::sys::fs::is_directory(path))
    return anec::driver::bytesUnder(path, [](llvm::StringRef) { return true; });
  uint64_t size = 0;
  llvm::sys::fs::file_size(path, size);
  return size;
}

} // namespace

absl::StatusOr<std::string> anec::compilePipeline(const CompileOptions &options) {
  absl::StatusOr<Pipelines> pipelines = buildPipeline(options, "", "");
  if (!pipelines.ok())
    return pipelines.status();
  std::string text = pipelines->joined();
  // Expanded: every pass of the named pipelines, with its options.
  std::unique_ptr<MLIRContext> ctx = makeContext();
  PassManager pm(ctx.get());
  if (absl::Status s = parsePipeline(text, options.pipeline, pm); !s.ok())
    return s;
  std::string expanded;
  llvm::raw_string_ostream os(expanded);
  pm.printAsTextualPipeline(os);
  return expanded;
}

absl::StatusOr<anec::CompileResult> anec::compile(const CompileOptions &o) {
  if (o.output.empty())
    return absl::InvalidArgumentError("compile needs an output path (-o)");
  std::optional<exporter::TargetOS> os = exporter::parseTargetOS(o.os);
  if (!os)
    return absl::InvalidArgumentError(
        absl::StrCat("--os must be ios16, ios17 or ios18, got '", o.os, "'"));
  if (o.format == "hwx")
    return driver::compileHwx(o);
  if (o.format != "mlpackage" && o.format != "mil")
    return absl::InvalidArgumentError(
        absl::StrCat("--format must be mlpackage, mil or hwx, got '", o.format, "'"));
  // Before iOS18 the program is one stateless function over the context:
  // no prefill length to check.
  if (o.prefill < 1 || o.context < 1 ||
      (o.prefill > o.context && *os == exporter::TargetOS::iOS18))
    return absl::InvalidArgumentError(absl::StrCat(
        "--prefill and --context must be positive, prefill at most context (got ", o.prefill,
        " and ", o.context, ")"));
  if (o.threads > 1024)
    return absl::InvalidArgumentError(absl::StrCat("-j ", o.threads, " is not a thread count"));

  // The outputs are checked before any work: nothing an input, a device,
  // a missing folder or a file anec did not write (without --force).
  support::OutputKind outputKind =
      o.format == "mil" ? support::OutputKind::MilText : support::OutputKind::Package;
  if (absl::Status s = support::checkOutput(o.output, outputKind, {o.input}, o.force); !s.ok())
    return s;
  if (!o.graph.empty())
    if (absl::Status s =
            support::checkOutput(o.graph, support::OutputKind::File, {o.input, o.output}, o.force);
        !s.ok())
      return s;

  ReportFiles reports;
  bool compressed = o.weights != "fp16";
  if (compressed)
    if (absl::Status s = makeTemp("anec-quant", reports.quantization); !s.ok())
      return s;
  if (absl::Status s = makeTemp("anec-partition", reports.partition); !s.ok())
    return s;
  absl::StatusOr<Pipelines> pipeline =
      buildPipeline(o, reports.quantization, reports.partition);
  if (!pipeline.ok())
    return pipeline.status();

  // The pool outlives the context that uses it (declared first).
  std::unique_ptr<llvm::DefaultThreadPool> pool;
  std::unique_ptr<MLIRContext> context = makeContext();
  MLIRContext &ctx = *context;
  if (o.threads != 1) {
    pool = std::make_unique<llvm::DefaultThreadPool>(llvm::hardware_concurrency(o.threads));
    ctx.setThreadPool(*pool);
  }
  ctx.loadAllAvailableDialects();
  PassManager pm(&ctx), targetPm(&ctx);
  if (absl::Status s = parsePipeline(pipeline->shaping, o.pipeline, pm); !s.ok())
    return s;
  if (absl::Status s = parsePipeline(pipeline->target.substr(1), o.pipeline, targetPm); !s.ok())
    return s;

  if (o.passTiming) {
    // Reported on stderr when the pass manager is destroyed.
    for (PassManager *m : {&pm, &targetPm}) {
      auto timing = std::make_unique<DefaultTimingManager>();
      timing->setEnabled(true);
      m->enableTiming(std::move(timing));
    }
  }
  ProgressCallback previous = setProgressCallback(o.progress);
  auto restore = llvm::make_scope_exit([&] { setProgressCallback(previous); });
  CompileResult result;
  auto last = std::chrono::steady_clock::now();
  auto step = [&](const char *name) {
    auto now = std::chrono::steady_clock::now();
    result.steps.push_back({name, std::chrono::duration<double>(now - last).count()});
    last = now;
  };
  import::ImportOptions importOptions;
  importOptions.prefill = o.prefill;
  importOptions.context = o.context;
  auto kvAsIO = import::parseKv(o.kv);
  if (!kvAsIO.ok())
    return kvAsIO.status();
  importOptions.kvAsIO = *kvAsIO;
  auto head = import::parseHead(o.head);
  if (!head.ok())
    return head.status();
  importOptions.headTopK = *head;
  // Before iOS18, Core ML has neither states nor several functions: the
  // program is one stateless `main` over the whole context.
  if (*os != exporter::TargetOS::iOS18) {
    importOptions.fullSequence = true;
    importOptions.sequence = o.context;
  }
  absl::StatusOr<OwningOpRef<ModuleOp>> module =
      o.inputText.empty() ? driver::loadModel(ctx, o.input, importOptions)
                          : driver::parseModel(ctx, o.inputText, o.input);
  if (!module.ok())
    return module.status();
  step("import");
  // Errors from the passes become the returned message, each with its
  // location (the checkpoint's layer name); remarks and warnings (--explain)
  // go to stderr as they come.
  std::string passErrors;
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      std::string loc;
      llvm::raw_string_ostream(loc) << d.getLocation();
      if (d.getSeverity() == DiagnosticSeverity::Error) {
        absl::StrAppend(&passErrors, passErrors.empty() ? "" : "; ", loc, ": ", d.str());
      } else {
        const char *kind = d.getSeverity() == DiagnosticSeverity::Warning ? "warning" : "remark";
        llvm::errs() << loc << ": " << kind << ": " << d.str() << "\n";
      }
      return success();
    });
    auto failedPipeline = [&] {
      return absl::InvalidArgumentError(absl::StrCat(
          o.input, ": the pass pipeline failed",
          passErrors.empty() ? std::string() : absl::StrCat(": ", passErrors)));
    };
    if (failed(pm.run(**module)))
      return failedPipeline();
    // The program is of the target's opset from here on: compression
    // chooses its forms by it, and the verifier holds every op to it.
    if (absl::Status s = setOpset(**module, o.os, o.input); !s.ok())
      return s;
    if (failed(targetPm.run(**module)))
      return failedPipeline();
  }
  step("pipeline");
  if (!o.graph.empty())
    if (absl::Status s = driver::writeGraph(**module, o.graph); !s.ok())
      return s;

  // Each package's interface metadata, for the manifest beside them.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> interfaces;
  auto write = [&](ModuleOp m, const std::string &path) -> absl::Status {
    // Every package (each chunk too) is checked before anything is written.
    if (absl::Status s = support::checkOutput(path, outputKind, {o.input}, o.force); !s.ok())
      return s;
    interfaces.push_back({llvm::sys::path::filename(path).str(), {}});
    return o.format == "mil" ? exporter::writeMilText(m, path, {*os, &interfaces.back().second})
                             : exporter::writeMlPackage(m, path, {*os, &interfaces.back().second});
  };
  absl::StatusOr<exporter::ChunkedOutput> written =
      exporter::writeChunked(**module, o.output, o.maxFileSize, write);
  if (!written.ok())
    return written.status();
  result.written = std::move(written->written);
  if (absl::Status s = writeInterface(o, interfaces, result.written); !s.ok())
    return s;
  for (exporter::RepeatedWeight &w : written->repeated)
    result.repeatedWeights.push_back({std::move(w.name), w.bytes, std::move(w.chunks)});
  step("export");

  auto [bytes, params] = driver::weightStats(**module);
  result.weightBytes = bytes;
  result.weightValues = params;
  result.inputBytes = o.inputText.empty() ? pathBytes(o.input) : o.inputText.size();
  for (const std::string &w : result.written) {
    result.outputBytes += pathBytes(w);
    result.weightFileBytes += driver::weightFileBytes(w);
  }
  result.peakRssMiB = driver::peakRssMiB();
  if (compressed)
    result.quantizationReport = readText(reports.quantization);
  result.partitionReport = readText(reports.partition);

  // The partition summary, and one report holding everything.
  llvm::json::Object combined;
  llvm::Expected<llvm::json::Value> partition = anec::parseJson(result.partitionReport);
  if (!partition) {
    llvm::consumeError(partition.takeError());
    return absl::InternalError("the partition pass wrote no report");
  }
  if (const llvm::json::Object *p = partition->getAsObject()) {
    if (const llvm::json::Object *t = p->getObject("target"))
      result.targetName = t->getString("name").value_or("").str();
    if (const llvm::json::Object *r = p->getObject("residency")) {
      result.aneOpsFraction = r->getNumber("ane_ops_fraction").value_or(0);
      result.aneFlopsFraction = r->getNumber("ane_flops_fraction").value_or(0);
    }
    result.transitions = (int)p->getInteger("transitions").value_or(0);
    if (const llvm::json::Object *e = p->getObject("estimate")) {
      result.decodeTokensPerSecond = e->getNumber("decode_tokens_per_s");
      result.prefillMs = e->getNumber("prefill_ms");
    }
  }
  combined["partition"] = std::move(*partition);
  // What was written, beside what the compression pass meant to write.
  llvm::json::Array repeated;
  uint64_t repeatedExtra = 0;
  for (const CompileResult::RepeatedWeight &w : result.repeatedWeights) {
    llvm::json::Array in;
    for (int k : w.chunks)
      in.push_back(k);
    repeatedExtra += w.bytes * (w.chunks.size() - 1);
    repeated.push_back(llvm::json::Object{{"name", w.name},
                                          {"bytes", (int64_t)w.bytes},
                                          {"chunks", std::move(in)}});
  }
  llvm::json::Object writtenSizes{{"weight_file_bytes", (int64_t)result.weightFileBytes},
                                  {"repeated_across_chunks", std::move(repeated)},
                                  {"repeated_extra_bytes", (int64_t)repeatedExtra}};
  if (compressed) {
    llvm::Expected<llvm::json::Value> quant = anec::parseJson(result.quantizationReport);
    if (!quant) {
      llvm::consumeError(quant.takeError());
      return absl::InternalError("the compression pass wrote no report");
    }
    if (llvm::json::Object *q = quant->getAsObject()) {
      (*q)["written"] = llvm::json::Object(writtenSizes);
      result.quantizationReport = llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object(*q))).str() + "\n";
    }
    combined["quantization"] = std::move(*quant);
  } else {
    combined["quantization"] = nullptr;
  }
  llvm::json::Array outputs, steps;
  for (const std::string &w : result.written)
    outputs.push_back(w);
  for (const CompileResult::Step &s : result.steps)
    steps.push_back(llvm::json::Object{{"step", s.name}, {"seconds", s.seconds}});
  combined["input"] = o.input;
  combined["outputs"] = std::move(outputs);
  combined["options"] = llvm::json::Object{{"weights", o.weights}, {"os", o.os},
                                           {"format", o.format}, {"target", o.target},
                                           {"compute_units", o.computeUnits},
                                           {"prefill", o.prefill}, {"context", o.context}};
  combined["size"] = llvm::json::Object{
      {"input_bytes", (int64_t)result.inputBytes},
      {"output_bytes", (int64_t)result.outputBytes},
      {"weight_values", (int64_t)result.weightValues},
      {"weight_bytes", (int64_t)result.weightBytes},
      {"weight_file_bytes", (int64_t)result.weightFileBytes},
      {"repeated_extra_bytes", (int64_t)repeatedExtra},
      {"bits_per_weight", params ? 8.0 * bytes / params : 0.0}};
  combined["steps"] = std::move(steps);
  combined["peak_rss_mib"] = result.peakRssMiB;
  result.report =
      llvm::formatv("{0:2}", llvm::json::Value(std::move(combined))).str() + "\n";
  return result;
}
