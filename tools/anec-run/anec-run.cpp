//===- anec-run.cpp - run mil programs on the CPU and compare them --------===//
//
//   anec-run model.mlir --function=main --input=x.npy --output-dir=out
//   anec-run model.mlir --call=prefill --call=decode --call=decode
//   anec-run model.mlir --compare-pipeline=anec-ane-pipeline --max-rel=1e-4
//   anec-run before.mlir --compare=after.mlir --test-mode=fp16 --min-snr=40
//
// Exit status: 0 when all ran (and every tolerance held), 1 when a
// tolerance was exceeded, 2 on an error.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Support/Nesting.h"
#include "lib/Support/Json.h"
#include "anec/Interpreter.h"
#include "anec/Registration.h"
#include "lib/Interpreter/Compare.h"
#include "lib/Interpreter/Npy.h"
#include "tools/anec-run/Chain.h"
#include "tools/anec-run/Generate.h"
#include "lib/Import/MilProgramImporter.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <tuple>
#include <random>

using namespace mlir;
using namespace anec;
using namespace anec::interp;
using namespace anec::run;
namespace cl = llvm::cl;

// --help lists these groups only (LLVM's own options are hidden).
static cl::OptionCategory kRunCat("What to run");
static cl::OptionCategory kInputsCat("Inputs");
static cl::OptionCategory kCompareCat("Comparison and tolerances");
static cl::OptionCategory kOutputCat("Output");
static cl::OptionCategory kGenerateCat("Generation from token ids");

static cl::opt<std::string> inputFile(
    cl::Positional,
    cl::desc("<module.mlir | X.mlpackage | MIL folder | X.chunks.json | X.interface.json>"),
    cl::Required, cl::cat(kRunCat));
static cl::opt<std::string> functionName("function",
                                         cl::desc("Function to run (default: the first)"), cl::cat(kRunCat));
static cl::list<std::string> calls(
    "call", cl::desc("A call to make, in order: FN or FN:a.npy,b.npy "
                     "(states persist from call to call)"), cl::cat(kRunCat));
static cl::list<std::string> inputs("input", cl::desc("An input .npy, in argument order"), cl::cat(kInputsCat));
static cl::opt<unsigned> seed("seed", cl::desc("Seed for random inputs"), cl::init(0), cl::cat(kInputsCat));
static cl::opt<double> inputScale("input-scale",
                                  cl::desc("Standard deviation of random float inputs"),
                                  cl::init(1.0), cl::cat(kInputsCat));
static cl::opt<int64_t> intMax("int-max",
                               cl::desc("Random integer inputs are drawn from [0, int-max)"),
                               cl::init(16), cl::cat(kInputsCat));
static cl::opt<bool> llmInputs(
    "llm-inputs",
    cl::desc("For programs imported from checkpoints: random token ids below --int-max, and "
             "position_ids, causal_mask and current_pos for consecutive positions across "
             "calls (a prefill continuing where the last call ended)"), cl::cat(kInputsCat));
static cl::opt<std::string> mode("mode", cl::desc("fp32 (reference) or fp16 (ANE-faithful)"),
                                 cl::init("fp32"), cl::cat(kRunCat));
static cl::opt<std::string> testMode("test-mode",
                                     cl::desc("Numeric mode of the compared side (default: --mode)"), cl::cat(kRunCat));
static cl::opt<std::string> outputDir(
    "output-dir", cl::desc("Write outputs as .npy here (float outputs as float32 in "
                           "fp32 mode, in their own type in fp16 mode)"), cl::cat(kOutputCat));
static cl::opt<std::string> compareFile("compare",
                                        cl::desc("Run this module on the same inputs and compare"), cl::cat(kCompareCat));
static cl::opt<std::string> compareChunks(
    "compare-chunks",
    cl::desc("Run the chunked export described by this X.chunks.json (its packages or MIL "
             "text folders, in order) and compare"), cl::cat(kCompareCat));
static cl::opt<std::string> comparePipeline(
    "compare-pipeline",
    cl::desc("Run the module after this pass pipeline (textual form) and compare"), cl::cat(kCompareCat));
static cl::opt<bool> logits("logits", cl::desc("Outputs are logits: report top-1 agreement and KL"), cl::cat(kCompareCat));
static cl::opt<bool> timing("time", cl::desc("Print the wall time of each call"), cl::cat(kOutputCat));
static cl::opt<bool> profile("profile",
                             cl::desc("Print the time spent per op type over all calls"), cl::cat(kOutputCat));
static cl::opt<bool> allowNonFinite("allow-nonfinite",
                                    cl::desc("Accept NaN/Inf in input files"), cl::cat(kInputsCat));
static cl::opt<double> maxRel("max-rel", cl::desc("Fail above this max relative error"),
                              cl::init(-1), cl::cat(kCompareCat));
static cl::opt<double> minSnr("min-snr", cl::desc("Fail below this SNR (dB)"), cl::init(-1e300), cl::cat(kCompareCat));
static cl::opt<double> minCosine("min-cosine", cl::desc("Fail below this cosine"),
                                 cl::init(-2), cl::cat(kCompareCat));
static cl::opt<double> minTop1("min-top1",
                               cl::desc("Fail below this top-1 agreement (0..1) over all calls"),
                               cl::init(-1), cl::cat(kCompareCat));
static cl::opt<double> maxKl("max-kl", cl::desc("Fail above this mean KL (nats) over all calls"),
                             cl::init(-1), cl::cat(kCompareCat));

static cl::opt<std::string> prompt(
    "prompt", cl::desc("Drive the program from these token ids (comma separated): prefill, "
                       "then greedy decode; prints the new tokens"), cl::cat(kGenerateCat));
static cl::opt<std::string> promptFile(
    "prompt-file", cl::desc("As --prompt, the ids read from a text file"), cl::cat(kGenerateCat));
static cl::opt<int64_t> maxNewTokens("max-new-tokens",
                                     cl::desc("New tokens to generate (default: 16, or as many "
                                              "as the context holds)"),
                                     cl::init(16), cl::cat(kGenerateCat));
static cl::opt<bool> ignoreEos("ignore-eos",
                               cl::desc("Do not stop at the program's EOS ids"), cl::cat(kGenerateCat));

static cl::extrahelp examples(R"(
Examples:
  anec-run model.mlir --function=main --input=x.npy --output-dir=out
  anec-run model.mlir --call=prefill --call=decode --call=decode
  anec-run model.mlir --compare-pipeline=anec-ane-pipeline --max-rel=1e-4
  anec-run before.mlir --compare=after.mlpackage --test-mode=fp16 --logits --llm-inputs
  anec-run model.mlpackage --prompt=1,450,4996 --max-new-tokens=8
  anec-run model.chunks.json --prompt-file=ids.txt --mode=fp16 --time

Exit status: 0 when all ran (and every tolerance held), 1 when a tolerance was exceeded,
2 on an error.
)");

namespace {

int fail(const std::string &message) {
  fmt::print(stderr, "anec-run: error: {}\n", message);
  return 2;
}

std::string typeString(const Tensor &t) {
  std::string s;
  for (int64_t d : t.shape)
    s += fmt::format("{}x", d);
  llvm::raw_string_ostream os(s);
  os << t.elementType;
  return s;
}

Tensor randomTensor(RankedTensorType type, std::mt19937_64 &rng) {
  Tensor t = Tensor::zeros(type);
  std::normal_distribution<float> normal(0.0f, (float)inputScale);
  std::uniform_int_distribution<int64_t> uniform(0, std::max<int64_t>(intMax, 1) - 1);
  for (float &v : t.f)
    v = normal(rng);
  for (int64_t &v : t.i)
    v = type.getElementType().isInteger(1) ? uniform(rng) % 2 : uniform(rng);
  if (type.getElementType().isF16())
    for (float &v : t.f)
      v = roundToHalf(v);
  return t;
}

struct Call {
  std::string function;
  std::vector<std::string> files;
};

/// Prints a comparison line with "ok" or the tolerances it broke; true
/// when it broke any.
bool printVerdict(const std::string &line, const std::vector<std::string> &broken) {
  if (broken.empty()) {
    fmt::print("{} ok\n", line);
    return false;
  }
  std::string why;
  for (const std::string &b : broken)
    why += (why.empty() ? "" : ", ") + b;
  fmt::print("{} EXCEEDED ({})\n", line, why);
  return true;
}

/// Concatenates test outputs named `X_0`, `X_1`, ... along the last axis
/// where the reference has one output named `X`.
absl::StatusOr<std::vector<Tensor>> joinSplitOutputs(ModuleOp ref, ModuleOp test,
                                                     llvm::StringRef fn,
                                                     std::vector<Tensor> outs) {
  auto refFn = ref.lookupSymbol<func::FuncOp>(fn);
  auto testFn = test ? test.lookupSymbol<func::FuncOp>(fn) : func::FuncOp();
  if (!refFn || !testFn)
    return outs;
  auto name = [](func::FuncOp f, unsigned i) {
    auto a = f.getResultAttrOfType<StringAttr>(i, "mil.name");
    return a ? a.str() : std::string();
  };
  std::vector<Tensor> joined;
  unsigned t = 0;
  for (unsigned r = 0; r < refFn.getNumResults(); ++r) {
    std::string base = name(refFn, r);
    if (t < testFn.getNumResults() && !base.empty() && name(testFn, t) == base + "_0") {
      std::vector<Tensor> parts;
      for (int k = 0; t < testFn.getNumResults() && name(testFn, t) == base + "_" + std::to_string(k);
           ++k)
        parts.push_back(std::move(outs[t++]));
      joined.push_back(concatLast(parts));
    } else if (t < outs.size()) {
      joined.push_back(std::move(outs[t++]));
    }
  }
  return joined;
}

/// anec-run --prompt: drives the program (a module, package, MIL folder or
/// a manifest of chunks) from token ids and prints the greedy continuation.
template <typename Load>
int runGeneration(MLIRContext *ctx, Options options, Load &load) {
  if (!prompt.empty() && !promptFile.empty())
    return fail("give one of --prompt and --prompt-file");
  if (!compareFile.empty() || !comparePipeline.empty() || !compareChunks.empty() ||
      !calls.empty() || !inputs.empty())
    return fail("--prompt runs the program alone: drop --compare*, --call and --input");
  std::string source = "--prompt", text = prompt;
  if (!promptFile.empty()) {
    source = promptFile;
    // A token list is small: a file past 64 MiB is not one.
    auto buffer = anec::readInputFile(promptFile, 64u << 20, "a list of token ids");
    if (!buffer.ok())
      return fail(std::string(buffer.status().message()));
    text = (*buffer)->getBuffer().str();
  }
  auto ids = parseTokenIds(text, source);
  if (!ids.ok())
    return fail(std::string(ids.status().message()));

  std::unique_ptr<Chain> program;
  if (llvm::StringRef(inputFile).ends_with(".json")) {
    auto c = Chain::load(ctx, inputFile, options);
    if (!c.ok())
      return fail(std::string(c.status().message()));
    program = std::move(*c);
  } else {
    OwningOpRef<ModuleOp> module = load(inputFile);
    if (!module)
      return fail(fmt::format("cannot load '{}'", inputFile.getValue()));
    if (absl::Status s = anec::interp::checkTensorSizes(*module); !s.ok())
      return fail(fmt::format("{}: {}", inputFile.getValue(), std::string(s.message())));
    program = Chain::of(std::move(module), options);
  }
  GenerateOptions g;
  g.prompt = std::move(*ids);
  g.maxNewTokens = maxNewTokens;
  g.clampToContext = maxNewTokens.getNumOccurrences() == 0;
  g.stopAtEos = !ignoreEos;
  auto result = generate(*program, g);
  if (!result.ok())
    return fail(fmt::format("{}: {}", inputFile.getValue(), std::string(result.status().message())));
  int64_t prefills = 0, padded = 0, decodes = 0;
  double prefillSeconds = 0, decodeSeconds = 0;
  int64_t prefillTokens = 0;
  for (const Step &s : result->steps) {
    if (s.function == "prefill") {
      ++prefills;
      padded += s.padded > 0;
      prefillSeconds += s.seconds;
      prefillTokens += s.tokens;
    } else {
      ++decodes;
      decodeSeconds += s.seconds;
    }
    if (timing)
      fmt::print("{:<8} at {:>5}: {} token{}{} {:.3f} ms\n", s.function, s.position, s.tokens,
                 s.tokens == 1 ? "" : "s",
                 s.padded ? fmt::format(" + {} padding", s.padded) : std::string(),
                 s.seconds * 1e3);
  }
  fmt::print("context {}, prefill length {}, prefill tail: {}{}\n", result->context,
             result->prefillLength, result->prefillTail,
             program->size() > 1 ? fmt::format(", {} chunks", program->size()) : std::string());
  fmt::print("prompt {} tokens: {} prefill step{} ({} padded), {} decode step{} in all\n",
             g.prompt.size(), prefills, prefills == 1 ? "" : "s", padded, decodes,
             decodes == 1 ? "" : "s");
  std::string tokens;
  for (int64_t t : result->tokens)
    tokens += fmt::format("{}{}", tokens.empty() ? "" : " ", t);
  fmt::print("tokens: {}\n", tokens);
  fmt::print("stopped: {}\n", result->stopReason == "eos"            ? "at an EOS id"
                             : result->stopReason == "context-full" ? "the context is full"
                                                                    : "after --max-new-tokens");
  if (timing) {
    if (prefillSeconds > 0)
      fmt::print("prefill {:.1f} tokens/s\n", prefillTokens / prefillSeconds);
    if (decodeSeconds > 0)
      fmt::print("decode {:.1f} tokens/s\n", decodes / decodeSeconds);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  DialectRegistry registry;
  registerDialects(registry);
  registerPasses();
  cl::HideUnrelatedOptions({&kRunCat, &kInputsCat, &kCompareCat, &kOutputCat, &kGenerateCat});
  cl::ParseCommandLineOptions(argc, argv, "anec reference interpreter\n");
  // Tolerances are numbers: NaN would make every comparison pass or fail.
  for (auto [name, value] : {std::pair{"max-rel", maxRel.getValue()}, {"min-snr", minSnr.getValue()},
                             {"min-top1", minTop1.getValue()}, {"max-kl", maxKl.getValue()}})
    if (std::isnan(value))
      return fail(fmt::format("--{} must be a number, got nan", name));

  auto parseMode = [](const std::string &m, NumericMode &out) {
    if (m == "fp32")
      out = NumericMode::FP32;
    else if (m == "fp16")
      out = NumericMode::FP16;
    else
      return false;
    return true;
  };
  Options refOptions, testOptions;
  if (!parseMode(mode, refOptions.mode))
    return fail(fmt::format("--mode must be fp32 or fp16, got '{}'", mode.getValue()));
  if (!parseMode(testMode.empty() ? mode.getValue() : testMode.getValue(), testOptions.mode))
    return fail(fmt::format("--test-mode must be fp32 or fp16, got '{}'", testMode.getValue()));
  if (!compareFile.empty() + !comparePipeline.empty() + !compareChunks.empty() > 1)
    return fail("give one of --compare, --compare-pipeline and --compare-chunks");

  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  // A mil .mlir/.mlirbc file, an .mlpackage or a MIL text folder.
  auto load = [&](const std::string &path) -> OwningOpRef<ModuleOp> {
    llvm::SmallString<256> manifest(path), mil(path);
    llvm::sys::path::append(manifest, "Manifest.json");
    llvm::sys::path::append(mil, "model.mil");
    if (llvm::sys::fs::exists(manifest) || llvm::sys::fs::exists(mil)) {
      auto m = llvm::sys::fs::exists(manifest) ? anec::import::importMlPackage(&ctx, path)
                                               : anec::import::importMilText(&ctx, path);
      if (!m.ok()) {
        fmt::print(stderr, "anec-run: error: {}\n", std::string(m.status().message()));
        return nullptr;
      }
      return std::move(*m);
    }
    if (absl::Status s = anec::checkMlirFileNesting(path, ctx.getDialectRegistry()); !s.ok()) {
      fmt::print(stderr, "anec-run: error: {}\n", std::string(s.message()));
      return nullptr;
    }
    llvm::SourceMgr sm;
    SourceMgrDiagnosticHandler handler(sm, &ctx);
    return parseSourceFile<ModuleOp>(path, &ctx);
  };
  if (!prompt.empty() || !promptFile.empty())
    return runGeneration(&ctx, refOptions, load);

  OwningOpRef<ModuleOp> module = load(inputFile);
  if (!module)
    return fail(fmt::format("cannot load '{}'", inputFile.getValue()));
  // Before any input is made: a huge tensor type is refused, not allocated.
  if (absl::Status s = anec::interp::checkTensorSizes(*module); !s.ok())
    return fail(fmt::format("{}: {}", inputFile.getValue(), std::string(s.message())));

  OwningOpRef<ModuleOp> other;
  if (!compareFile.empty()) {
    other = load(compareFile);
    if (!other)
      return fail(fmt::format("cannot load '{}'", compareFile.getValue()));
  } else if (!comparePipeline.empty()) {
    other = module->clone();
    PassManager pm(&ctx);
    // The pass manager is the module's: accept both `builtin.module(...)` and
    // the bare pass list inside it.
    llvm::StringRef text = llvm::StringRef(comparePipeline).trim();
    if (text.consume_front("builtin.module(") && !text.consume_back(")"))
      return fail(fmt::format("bad pipeline '{}'", comparePipeline.getValue()));
    if (failed(parsePassPipeline(text, pm, llvm::errs())))
      return fail(fmt::format("bad pipeline '{}'", comparePipeline.getValue()));
    if (failed(pm.run(*other)))
      return fail("the pipeline failed");
  }

  // The calls to make.
  std::vector<Call> plan;
  for (const std::string &c : calls) {
    Call call;
    size_t colon = c.find(':');
    call.function = c.substr(0, colon);
    if (colon != std::string::npos) {
      llvm::SmallVector<llvm::StringRef> files;
      llvm::StringRef(c).substr(colon + 1).split(files, ',', -1, false);
      for (auto f : files)
        call.files.push_back(f.str());
    }
    plan.push_back(call);
  }
  if (plan.empty()) {
    Call call;
    call.function = functionName;
    if (call.function.empty()) {
      for (auto fn : module->getOps<func::FuncOp>())
        if (!fn.isExternal()) {
          call.function = fn.getSymName().str();
          break;
        }
      if (call.function.empty())
        return fail("the module has no function to run");
    }
    call.files.assign(inputs.begin(), inputs.end());
    plan.push_back(call);
  } else if (!inputs.empty()) {
    return fail("with --call, give inputs as --call=FN:a.npy,b.npy");
  }

  refOptions.profile = profile;
  Interpreter ref(*module, refOptions);
  std::optional<Interpreter> test;
  if (other)
    test.emplace(*other, testOptions);
  std::unique_ptr<Chain> chain;
  if (!compareChunks.empty()) {
    auto c = Chain::load(&ctx, compareChunks, testOptions);
    if (!c.ok())
      return fail(std::string(c.status().message()));
    chain = std::move(*c);
  }
  std::mt19937_64 rng(seed);
  bool exceeded = false;
  // Per output: top-1 agreements, KL sum and rows over every call.
  std::map<size_t, std::tuple<double, double, int64_t>> overall;
  int64_t position = 0; // --llm-inputs: the next token's position

  for (auto [callIndex, call] : llvm::enumerate(plan)) {
    auto types = ref.inputTypes(call.function);
    if (!types.ok())
      return fail(std::string(types.status().message()));
    std::vector<Tensor> args;
    if (!call.files.empty()) {
      if (call.files.size() != types->size())
        return fail(fmt::format("'{}' takes {} inputs, {} files were given",
                                call.function, types->size(), call.files.size()));
      for (auto [k, path] : llvm::enumerate(call.files)) {
        auto t = readNpy(&ctx, path);
        if (!t.ok())
          return fail(std::string(t.status().message()));
        // Files are read at the element type the function declares when
        // the kinds agree and the values fit (an .npy has no uint4 or fp16
        // rounding of its own).
        Type want = (*types)[k].getElementType();
        if (t->isFloat() && isa<FloatType>(want)) {
          t->elementType = want;
          if (want.isF16())
            for (float &v : t->f)
              v = roundToHalf(v);
        } else if (!t->isFloat() && isa<IntegerType>(want)) {
          unsigned bits = want.getIntOrFloatBitWidth();
          bool isUnsigned = want.isUnsignedInteger() || bits == 1;
          int64_t lo = isUnsigned ? 0 : -(int64_t(1) << (bits - 1));
          int64_t hi = isUnsigned ? (bits >= 63 ? INT64_MAX : (int64_t(1) << bits) - 1)
                                  : (int64_t(1) << (bits - 1)) - 1;
          for (int64_t v : t->i)
            if (v < lo || v > hi)
              return fail(fmt::format("{}: value {} does not fit the declared element "
                                      "type of input {}", path, v, k));
          t->elementType = want;
        }
        if (!allowNonFinite)
          for (float v : t->f)
            if (!std::isfinite(v))
              return fail(fmt::format("{}: input holds NaN or Inf (--allow-nonfinite "
                                      "to accept)", path));
        args.push_back(std::move(*t));
      }
    } else {
      auto fn = module->lookupSymbol<func::FuncOp>(call.function);
      int64_t tokens = 0;
      unsigned k = 0;
      for (unsigned i = 0; fn && i < fn.getNumArguments(); ++i) {
        if (isa<anec::mil::StateType>(fn.getArgumentTypes()[i]))
          continue;
        RankedTensorType type = (*types)[k++];
        auto name = fn.getArgAttrOfType<StringAttr>(i, "mil.name");
        std::string n = name ? name.str() : "";
        if (!llmInputs || n.empty() || n == "input_ids") {
          args.push_back(randomTensor(type, rng));
          if (n == "input_ids")
            tokens = type.getShape().back();
          continue;
        }
        if (n == "causal_mask") {
          // The call would write the cache past its end (a gather out of
          // range deep in the program): say so first.
          int64_t cols = type.getShape().back(), rows = type.getNumElements() / cols;
          if (position + rows > cols)
            return fail(fmt::format(
                "--llm-inputs: call {} ({}) covers positions {}..{}, past the compiled context "
                "of {} positions (0..{}); --prompt runs a prompt of any length within it",
                callIndex + 1, call.function, position, position + rows - 1, cols, cols - 1));
        }
        auto positional = positionInput(n, type, position);
        args.push_back(positional ? std::move(*positional) : randomTensor(type, rng));
      }
      position += tokens;
    }

    auto start = std::chrono::steady_clock::now();
    auto outs = ref.run(call.function, args);
    if (timing)
      fmt::print("{} time {:.3f} ms\n", call.function,
                 std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start).count());
    if (!outs.ok())
      return fail(std::string(outs.status().message()));
    for (auto [k, t] : llvm::enumerate(*outs)) {
      double lo = INFINITY, hi = -INFINITY, sum = 0;
      int64_t n = t.numElements();
      for (int64_t e = 0; e < n; ++e) {
        lo = std::min(lo, t.at(e));
        hi = std::max(hi, t.at(e));
        sum += t.at(e);
      }
      fmt::print("{} output {} [{}]: min {:.6g} max {:.6g} mean {:.6g}\n",
                 call.function, k, typeString(t), lo, hi, n ? sum / n : 0.0);
      if (!outputDir.empty()) {
        std::string path = fmt::format("{}/{}-{}-{}.npy", outputDir.getValue(),
                                       callIndex, call.function, k);
        // fp32-reference values are written at fp32, whatever the type says.
        if (auto s = writeNpy(t, path, refOptions.mode == NumericMode::FP32); !s.ok())
          return fail(std::string(s.message()));
      }
    }
    if (!test && !chain)
      continue;
    auto testOuts = chain ? chain->runLike(*module, call.function, args)
                          : test->run(call.function, args);
    if (!testOuts.ok())
      return fail(fmt::format("compared module: {}", std::string(testOuts.status().message())));
    // An output split into a documented list (name_0, name_1, ... by
    // anec-limit-dimensions) is compared as its concatenation.
    if (testOuts->size() != outs->size()) {
      auto joined = joinSplitOutputs(*module, other ? *other : ModuleOp(), call.function,
                                     std::move(*testOuts));
      if (!joined.ok())
        return fail(std::string(joined.status().message()));
      testOuts = std::move(joined);
    }
    if (testOuts->size() != outs->size())
      return fail(fmt::format("the compared module returns {} outputs, not {}",
                              testOuts->size(), outs->size()));
    for (size_t k = 0; k < outs->size(); ++k) {
      const Tensor &r = (*outs)[k], &t = (*testOuts)[k];
      if (r.shape != t.shape)
        return fail(fmt::format("output {} has shape [{}] in the compared module, "
                                "[{}] in the reference", k, typeString(t), typeString(r)));
      Comparison c = compare(t, r, logits);
      std::string line = fmt::format(
          "{} compare {}: max_abs {:.3g} max_rel {:.3g} snr {:.1f} dB cosine {:.6f}",
          call.function, k, c.maxAbs, c.maxRel, c.snrDb, c.cosine);
      if (logits)
        line += fmt::format(" top1 {:.2f}% kl {:.3g} over {} rows", 100 * c.top1, c.kl,
                            c.rows);
      std::vector<std::string> broken;
      if (c.nonFinite)
        broken.push_back("non-finite values");
      if (maxRel >= 0 && !(c.maxRel <= maxRel))
        broken.push_back(fmt::format("max_rel > {}", maxRel.getValue()));
      if (!(c.snrDb >= minSnr))
        broken.push_back(fmt::format("snr < {} dB", minSnr.getValue()));
      if (!(c.cosine >= minCosine))
        broken.push_back(fmt::format("cosine < {}", minCosine.getValue()));
      // top-1 and KL bounds apply to all positions of all calls together
      // (see the overall lines after the last call).
      if (logits) {
        auto &[agree, klSum, rows] = overall[k];
        agree += c.top1 * c.rows;
        klSum += c.kl * c.rows;
        rows += c.rows;
      }
      exceeded |= printVerdict(line, broken);
    }
  }
  for (auto &[k, v] : overall) {
    auto [agree, klSum, rows] = v;
    double top1 = rows ? agree / rows : 1.0, kl = rows ? klSum / rows : 0.0;
    std::vector<std::string> broken;
    if (!(top1 >= minTop1))
      broken.push_back(fmt::format("top1 < {}", minTop1.getValue()));
    if (maxKl >= 0 && !(kl <= maxKl))
      broken.push_back(fmt::format("kl > {}", maxKl.getValue()));
    std::string line = fmt::format("overall compare {}: top1 {:.2f}% kl {:.3g} over {} rows", k,
                                   100 * top1, kl, rows);
    exceeded |= printVerdict(line, broken);
  }
  if (profile) {
    std::vector<std::pair<std::string, std::pair<double, int64_t>>> rows(
        ref.profile().begin(), ref.profile().end());
    std::sort(rows.begin(), rows.end(),
              [](auto &a, auto &b) { return a.second.first > b.second.first; });
    fmt::print("{:<40}{:>12}{:>8}\n", "op", "ms", "count");
    for (auto &[name, v] : rows)
      fmt::print("{:<40}{:>12.2f}{:>8}\n", name, v.first * 1e3, v.second);
  }
  return exceeded ? 1 : 0;
}
