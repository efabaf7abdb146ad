//===- Chain.cpp - one program or a chunked set, run by name --------------===//
#include "tools/anec-run/Chain.h"

#include "lib/Import/MilProgramImporter.h"
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

using namespace mlir;
using namespace anec;
using namespace anec::interp;
using namespace anec::run;

std::string anec::run::milName(StringAttr name, unsigned index, const char *prefix) {
  std::string s = name ? name.str() : absl::StrCat(prefix, index);
  for (char &c : s)
    if (!isalnum((unsigned char)c) && c != '_')
      c = '_';
  return s;
}

Tensor anec::run::concatLast(const std::vector<Tensor> &parts) {
  Tensor out = parts.front();
  int64_t rows = out.numElements() / out.shape.back(), total = 0;
  for (const Tensor &p : parts)
    total += p.shape.back();
  out.shape.back() = total;
  out.f.assign(rows * total, 0.0f);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t at = 0;
    for (const Tensor &p : parts) {
      int64_t w = p.shape.back();
      std::copy(p.f.begin() + row * w, p.f.begin() + (row + 1) * w, out.f.begin() + row * total + at);
      at += w;
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Chain>> Chain::load(MLIRContext *ctx, const std::string &path,
                                                   Options options) {
  if (absl::Status regular = anec::requireRegularFile(path); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return absl::NotFoundError(path + ": cannot open");
  auto json = anec::parseJson((*buffer)->getBuffer());
  if (!json) {
    std::string why = llvm::toString(json.takeError());
    return absl::InvalidArgumentError(path + ": not JSON: " + why);
  }
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Array *chunks = root ? root->getArray("chunks") : nullptr;
  if (!chunks && root)
    chunks = root->getArray("packages");
  if (!chunks || chunks->empty())
    return absl::InvalidArgumentError(path + ": not a chunk or interface manifest (no "
                                             "\"chunks\" or \"packages\" list)");
  auto chain = std::make_unique<Chain>();
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  for (const llvm::json::Value &c : *chunks) {
    auto pkg = c.getAsObject() ? c.getAsObject()->getString("package") : std::nullopt;
    // Only names inside the manifest's folder: a manifest is not a way to
    // read elsewhere.
    if (!pkg || pkg->empty() || pkg->contains("/") || pkg->contains("\\") || *pkg == "." ||
        *pkg == "..")
      return absl::InvalidArgumentError(path + ": a chunk without a package in the folder");
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, *pkg);
    auto m = pkg->ends_with(".mlpackage") ? anec::import::importMlPackage(ctx, p.str().str())
                                           : anec::import::importMilText(ctx, p.str().str());
    if (!m.ok())
      return m.status();
    chain->modules.push_back(std::move(*m));
    chain->interps.push_back(std::make_unique<Interpreter>(*chain->modules.back(), options));
  }
  return chain;
}

std::unique_ptr<Chain> Chain::of(OwningOpRef<ModuleOp> module, Options options) {
  auto chain = std::make_unique<Chain>();
  chain->modules.push_back(std::move(module));
  chain->interps.push_back(std::make_unique<Interpreter>(*chain->modules.back(), options));
  return chain;
}

absl::StatusOr<NamedTensors> Chain::run(llvm::StringRef fn, const NamedTensors &inputs) {
  NamedTensors values = inputs;
  for (auto [c, interp] : llvm::enumerate(interps)) {
    auto f = modules[c]->lookupSymbol<func::FuncOp>(fn);
    if (!f)
      return absl::NotFoundError(absl::StrCat(size() > 1 ? absl::StrCat("chunk ", c + 1, " has")
                                                         : std::string("the program has"),
                                              " no function '", fn.str(), "'"));
    std::vector<Tensor> in;
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      if (isa<anec::mil::StateType>(f.getArgumentTypes()[i]))
        continue;
      std::string name = milName(f.getArgAttrOfType<StringAttr>(i, "mil.name"), i, "input_");
      auto it = values.find(name);
      if (it == values.end())
        return absl::NotFoundError(absl::StrCat("chunk ", c + 1, " needs '", name,
                                                "', which no earlier chunk produces"));
      in.push_back(it->second);
    }
    auto out = interp->run(fn, in);
    if (!out.ok())
      return size() > 1 ? absl::Status(out.status().code(),
                                       absl::StrCat("chunk ", c + 1, ": ", out.status().message()))
                        : out.status();
    for (unsigned i = 0; i < f.getNumResults(); ++i)
      values[milName(f.getResultAttrOfType<StringAttr>(i, "mil.name"), i, "output_")] =
          std::move((*out)[i]);
  }
  return values;
}

absl::StatusOr<std::vector<Tensor>> Chain::runLike(ModuleOp ref, llvm::StringRef fn,
                                                   const std::vector<Tensor> &args) {
  auto refFn = ref.lookupSymbol<func::FuncOp>(fn);
  if (!refFn)
    return absl::NotFoundError(absl::StrCat("no function '", fn.str(), "'"));
  NamedTensors inputs;
  size_t k = 0;
  for (unsigned i = 0; i < refFn.getNumArguments() && k < args.size(); ++i) {
    if (isa<anec::mil::StateType>(refFn.getArgumentTypes()[i]))
      continue;
    inputs[milName(refFn.getArgAttrOfType<StringAttr>(i, "mil.name"), i, "input_")] = args[k++];
  }
  auto values = run(fn, inputs);
  if (!values.ok())
    return values.status();
  std::vector<Tensor> outs;
  for (unsigned i = 0; i < refFn.getNumResults(); ++i) {
    std::string name = milName(refFn.getResultAttrOfType<StringAttr>(i, "mil.name"), i, "output_");
    auto it = values->find(name);
    if (it != values->end()) {
      outs.push_back(it->second);
      continue;
    }
    // An output split into a list (name_0, name_1, ...) is joined again.
    std::vector<Tensor> parts;
    for (int k = 0;; ++k) {
      auto p = values->find(absl::StrCat(name, "_", k));
      if (p == values->end())
        break;
      parts.push_back(p->second);
    }
    if (parts.empty())
      return absl::NotFoundError(absl::StrCat("no chunk produces the output '", name, "'"));
    outs.push_back(concatLast(parts));
  }
  return outs;
}

absl::StatusOr<std::vector<std::pair<std::string, RankedTensorType>>>
Chain::externalInputs(llvm::StringRef fn) const {
  std::vector<std::pair<std::string, RankedTensorType>> inputs;
  absl::flat_hash_set<std::string> known;
  for (auto [c, module] : llvm::enumerate(modules)) {
    auto f = (*module).lookupSymbol<func::FuncOp>(fn);
    if (!f)
      return absl::NotFoundError(absl::StrCat("chunk ", c + 1, " has no function '", fn.str(), "'"));
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      auto type = dyn_cast<RankedTensorType>(f.getArgumentTypes()[i]);
      if (!type)
        continue; // a state
      std::string name = milName(f.getArgAttrOfType<StringAttr>(i, "mil.name"), i, "input_");
      if (known.insert(name).second)
        inputs.push_back({name, type});
    }
    for (unsigned i = 0; i < f.getNumResults(); ++i)
      known.insert(milName(f.getResultAttrOfType<StringAttr>(i, "mil.name"), i, "output_"));
  }
  return inputs;
}

std::vector<std::pair<std::string, RankedTensorType>> Chain::outputs(llvm::StringRef fn) const {
  std::vector<std::pair<std::string, RankedTensorType>> results;
  for (const auto &module : modules)
    if (auto f = (*module).lookupSymbol<func::FuncOp>(fn))
      for (unsigned i = 0; i < f.getNumResults(); ++i)
        results.push_back({milName(f.getResultAttrOfType<StringAttr>(i, "mil.name"), i, "output_"),
                           dyn_cast<RankedTensorType>(f.getResultTypes()[i])});
  return results;
}
