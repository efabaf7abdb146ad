//===- MilTextWriter.cpp - MIL programs as MIL text + weight blob ---------===//
//
// The `model.mil` form of coreml-format.md §4:
//   <type> <var> = <op>(<param> = <var>, ...)[name = string("<var>")];
// consts carry their value in the bracket, as an immediate literal or a
// BLOBFILE reference. The iOS16/17 form (`program(1.0)`) writes scalars as
// rank-0 tensors.
//
//===----------------------------------------------------------------------===//
#include "lib/Export/MilTextWriter.h"
#include "lib/Support/OutputPath.h"
#include "lib/Export/MilLowering.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstdio>
#include <fstream>

using namespace anec::exporter;

namespace {

/// A float literal that reads back bit-exactly.
std::string floatLiteral(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

class Printer {
public:
  explicit Printer(TargetOS os) : os(os) {}

  std::string type(const MilType &t) const {
    if (t.isState) {
      MilType inner = t;
      inner.isState = false;
      return "state<" + type(inner) + ">";
    }
    if (t.shape.empty() && os == TargetOS::iOS18)
      return t.dtype;
    std::string s = "tensor<" + t.dtype + ", [";
    for (size_t i = 0; i < t.shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(t.shape[i]);
    return s + "]>";
  }

  std::string value(const MilValue &v) const {
    if (v.kind == MilValue::Blob)
      return absl::StrCat(type(v.type), "(BLOBFILE(path = string(\"", kWeightPath,
                          "\"), offset = uint64(", v.blobOffset, ")))");
    std::vector<std::string> items;
    switch (v.kind) {
    case MilValue::Floats:
      for (double d : v.floats)
        items.push_back(floatLiteral(d));
      break;
    case MilValue::Ints:
      for (int64_t i : v.ints)
        items.push_back(std::to_string(i));
      break;
    case MilValue::Bools:
      for (bool b : v.bools)
        items.push_back(b ? "true" : "false");
      break;
    case MilValue::Strings:
      for (const std::string &s : v.strings)
        items.push_back("\"" + s + "\"");
      break;
    default:
      break;
    }
    if (v.type.shape.empty()) {
      if (os == TargetOS::iOS18)
        return absl::StrCat(v.type.dtype, "(", items.empty() ? "" : items[0], ")");
      return absl::StrCat(type(v.type), "(", items.empty() ? "" : items[0], ")");
    }
    std::string s = type(v.type) + "([";
    for (size_t i = 0; i < items.size(); ++i)
      s += (i ? ", " : "") + items[i];
    return s + "])";
  }

  void function(const MilFunction &fn, std::string &out) const {
    std::string signature;
    for (auto &[name, t] : fn.inputs)
      signature += (signature.empty() ? "" : ", ") + type(t) + " " + name;
    out += absl::StrCat("    func ", fn.name, "<", fn.opset, ">(", signature, ") {\n");
    for (const MilOperation &op : fn.operations) {
      std::string lhs;
      if (op.outputs.empty()) {
        // An op with no result (write_state) is a statement of its own.
      } else if (op.outputs.size() == 1) {
        lhs = type(op.outputs[0].second) + " " + op.outputs[0].first;
      } else {
        lhs = "(";
        for (size_t i = 0; i < op.outputs.size(); ++i)
          lhs += (i ? ", " : "") + type(op.outputs[i].second) + " " + op.outputs[i].first;
        lhs += ")";
      }
      std::string name = absl::StrCat("name = string(\"", op.name, "\")");
      if (op.hasVal) {
        out += absl::StrCat("        ", lhs, " = const()[", name, ", val = ", value(op.val),
                            "];\n");
        continue;
      }
      std::string args;
      for (auto &[param, values] : op.inputs) {
        std::string bound = values.size() == 1 && param != "values" ? values[0] : "(";
        if (bound == "(") {
          for (size_t i = 0; i < values.size(); ++i)
            bound += (i ? ", " : "") + values[i];
          bound += ")";
        }
        args += (args.empty() ? "" : ", ") + param + " = " + bound;
      }
      std::string bracket = name;
      std::vector<std::pair<std::string, std::string>> literals;
      for (auto &[param, v] : op.literalParams)
        literals.push_back({param, value(v)});
      literals.push_back({"name", absl::StrCat("string(\"", op.name, "\")")});
      if (op.literalParams.size()) {
        std::sort(literals.begin(), literals.end());
        bracket.clear();
        for (auto &[k, v] : literals)
          bracket += (bracket.empty() ? "" : ", ") + k + " = " + v;
      }
      out += absl::StrCat("        ", lhs, lhs.empty() ? "" : " = ", op.type, "(", args, ")[",
                          bracket, "];\n");
    }
    std::string outputs;
    for (const std::string &o : fn.outputs)
      outputs += (outputs.empty() ? "" : ", ") + o;
    out += absl::StrCat("    } -> (", outputs, ");\n");
  }

private:
  TargetOS os;
};

} // namespace

std::string anec::exporter::printMilText(const MilProgram &program) {
  std::string out;
  if (program.os == TargetOS::iOS18)
    out = "program(1.3)\n[buildInfo = dict<string, string>({{\"coremlc-component-MIL\", "
          "\"3510.2.1\"}, {\"coremlc-version\", \"3505.4.1\"}})]\n";
  else
    out = "program(1.0)\n[buildInfo = dict<tensor<string, []>, tensor<string, []>>({{"
          "\"coremlc-component-MIL\", \"3510.2.1\"}, {\"coremlc-version\", \"3505.4.1\"}})]\n";
  out += "{\n";
  Printer printer(program.os);
  for (const MilFunction &fn : program.functions)
    printer.function(fn, out);
  out += "}\n";
  return out;
}

absl::Status anec::exporter::writeMilText(mlir::ModuleOp module, const std::string &dir,
                                          const MilTextOptions &options) {
  support::TempOutput temp(dir);
  const std::string &tmp = temp.path();
  auto program = lowerIntoTemporary(module, options.os, tmp, "weights", dir);
  if (program.ok() && options.metadata)
    *options.metadata = program->metadata;
  if (!program.ok())
    return program.status();
  llvm::SmallString<256> milPath(tmp);
  llvm::sys::path::append(milPath, "model.mil");
  {
    std::ofstream out(milPath.str().str(), std::ios::trunc);
    out << printMilText(*program);
    if (!out)
      return absl::InternalError(absl::StrCat(dir, ": cannot write model.mil"));
  }
  return temp.commit();
}
