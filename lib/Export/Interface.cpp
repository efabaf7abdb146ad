//===- Interface.cpp - how a runner drives a written program --------------===//
#include "lib/Export/Interface.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <map>

#ifndef ANEC_VERSION_STRING
#define ANEC_VERSION_STRING "unknown"
#endif

using namespace mlir;

void anec::exporter::setInterfaceKey(ModuleOp module, llvm::StringRef key, llvm::StringRef value) {
  Builder b(module.getContext());
  NamedAttrList entries;
  if (auto dict = module->getAttrOfType<DictionaryAttr>(kInterfaceAttrName))
    entries.append(dict.getValue());
  entries.set(b.getStringAttr(key), b.getStringAttr(value));
  module->setAttr(kInterfaceAttrName, entries.getDictionary(module.getContext()));
}

std::vector<std::pair<std::string, std::string>>
anec::exporter::interfaceMetadata(ModuleOp module, const MilProgram &program) {
  std::map<std::string, std::string> keys;
  if (auto dict = module->getAttrOfType<DictionaryAttr>(kInterfaceAttrName))
    for (NamedAttribute entry : dict)
      if (auto s = dyn_cast<StringAttr>(entry.getValue()))
        keys[entry.getName().str()] = s.str();
  keys["anec.version"] = ANEC_VERSION_STRING;
  auto compact = [](llvm::json::Value v) { return llvm::formatv("{0}", v).str(); };
  // Per function: its inputs, outputs and states, as written.
  llvm::json::Object functions, logits;
  llvm::json::Array states;
  for (const MilFunction &fn : program.functions) {
    llvm::json::Array inputs, outputs, fnStates, fnLogits;
    for (const auto &[name, type] : fn.inputs) {
      if (type.isState) {
        fnStates.push_back(name);
        if (program.functions.front().name == fn.name) {
          llvm::json::Array shape;
          for (int64_t d : type.shape)
            shape.push_back(d);
          states.push_back(llvm::json::Object{{"name", name},
                                              {"dtype", type.dtype},
                                              {"shape", std::move(shape)}});
        }
      } else {
        inputs.push_back(name);
      }
    }
    for (const std::string &name : fn.outputs) {
      outputs.push_back(name);
      if (llvm::StringRef(name).starts_with("logits"))
        fnLogits.push_back(name);
    }
    functions[fn.name] = llvm::json::Object{
        {"inputs", std::move(inputs)}, {"outputs", std::move(outputs)},
        {"states", std::move(fnStates)}};
    if (!fnLogits.empty())
      logits[fn.name] = std::move(fnLogits);
  }
  keys["anec.functions"] = compact(llvm::json::Value(std::move(functions)));
  if (!logits.empty())
    keys["anec.logits"] = compact(llvm::json::Object{
        {"outputs", std::move(logits)},
        {"concat_axis", -1},
        {"note", "concatenate each function's logits outputs in order along the last axis: "
                 "vocabulary slices"}});
  if (!states.empty())
    keys["anec.state"] = compact(llvm::json::Object{
        {"states", std::move(states)},
        {"layout", "key and value caches per layer: [batch, kv heads, head dim, context] "
                   "(channels-first) or as the shape says"}});
  return {keys.begin(), keys.end()};
}
