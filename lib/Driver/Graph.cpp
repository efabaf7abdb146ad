//===- Graph.cpp - the program drawn by compute unit (Graphviz) -----------===//
#include "lib/Driver/Graph.h"
#include "passes/WeightValues.h"
#include "lib/Support/AtomicFile.h"

#include "dialects/Mil/MilDialect.h"

#include "absl/strings/str_cat.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {

const char *colourOf(llvm::StringRef unit) {
  if (unit == "ane")
    return "#8fd694";
  if (unit == "gpu")
    return "#8ab6f9";
  if (unit == "cpu")
    return "#f9c38a";
  return "#dddddd";
}

std::string escape(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

std::string anec::driver::programToDot(ModuleOp module, int64_t maxOps) {
  std::string dot;
  llvm::raw_string_ostream os(dot);
  os << "digraph anec {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", "
        "fontname=\"Helvetica\", fontsize=10];\n";
  int fnIndex = 0;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    std::vector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      if (!anec::isWeightOp(&op) && !isa<func::ReturnOp>(op))
        ops.push_back(&op);
    auto unitOf = [](Operation *op) {
      auto u = op->getAttrOfType<StringAttr>("mil.compute_unit");
      return u ? u.getValue() : llvm::StringRef("unassigned");
    };
    os << "  subgraph cluster_f" << fnIndex << " {\n    label=\"" << escape(fn.getSymName())
       << "\"; style=bold;\n";
    bool collapsed = (int64_t)ops.size() > maxOps;
    llvm::DenseMap<Operation *, std::string> nodeOf;
    std::string prevSegmentNode;
    for (size_t i = 0, seg = 0; i < ops.size(); ++seg) {
      size_t j = i;
      llvm::StringRef unit = unitOf(ops[i]);
      while (j < ops.size() && unitOf(ops[j]) == unit)
        ++j;
      std::string segName = absl::StrCat("f", fnIndex, "s", seg);
      if (collapsed) {
        os << "    " << segName << " [label=\"" << unit.str() << " segment " << seg << "\\n"
           << (j - i) << " ops\", fillcolor=\"" << colourOf(unit) << "\"];\n";
        if (!prevSegmentNode.empty())
          os << "    " << prevSegmentNode << " -> " << segName << ";\n";
        prevSegmentNode = segName;
      } else {
        os << "    subgraph cluster_" << segName << " {\n      label=\"" << unit.str()
           << " segment " << seg << "\"; style=dashed; color=\"" << colourOf(unit) << "\";\n";
        for (size_t k = i; k < j; ++k) {
          std::string node = absl::StrCat("f", fnIndex, "o", k);
          nodeOf[ops[k]] = node;
          std::string label = ops[k]->getName().stripDialect().str();
          if (auto n = dyn_cast<NameLoc>(ops[k]->getLoc()))
            label += "\\n" + escape(n.getName().strref().take_back(40));
          os << "      " << node << " [label=\"" << label << "\", fillcolor=\""
             << colourOf(unit) << "\"];\n";
        }
        os << "    }\n";
      }
      i = j;
    }
    if (!collapsed)
      for (Operation *op : ops)
        for (Value v : op->getOperands())
          if (Operation *def = v.getDefiningOp(); def && nodeOf.count(def))
            os << "    " << nodeOf[def] << " -> " << nodeOf[op] << ";\n";
    os << "  }\n";
    ++fnIndex;
  }
  os << "}\n";
  return dot;
}

absl::Status anec::driver::writeGraph(ModuleOp module, const std::string &path) {
  std::string dot = programToDot(module);
  llvm::StringRef ext = llvm::sys::path::extension(path);
  std::string tmp = path + ".anec-tmp";
  auto writeText = [&](const std::string &file) -> absl::Status {
    std::error_code ec;
    llvm::raw_fd_ostream os(file, ec);
    if (!ec)
      os << dot;
    if (ec || os.has_error()) {
      os.clear_error();
      return absl::InternalError(absl::StrCat("cannot write the graph ", path));
    }
    return absl::OkStatus();
  };
  if (ext == ".dot" || ext == ".gv")
    return writeFileAtomically(path, dot, "graph");
  // Other formats: Graphviz draws into a temporary file beside the target.
  if (ext != ".svg" && ext != ".png" && ext != ".pdf")
    return absl::InvalidArgumentError(
        absl::StrCat("--graph ", path, ": the file must end in .svg, .png, .pdf or .dot"));
  llvm::ErrorOr<std::string> dotProgram = llvm::sys::findProgramByName("dot");
  if (!dotProgram)
    return absl::NotFoundError(absl::StrCat(
        "--graph ", path, " needs Graphviz's dot (Debian package graphviz); a .dot path "
        "writes the graph without it"));
  llvm::SmallString<128> dotFile;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("anec-graph", "dot", dotFile))
    return absl::InternalError(absl::StrCat("cannot create a temporary file: ", ec.message()));
  absl::Status written = writeText(dotFile.str().str());
  std::string format = absl::StrCat("-T", ext.drop_front().str());
  std::string err;
  int rc = written.ok() ? llvm::sys::ExecuteAndWait(
                              *dotProgram, {*dotProgram, format, "-o", tmp, dotFile.str()},
                              std::nullopt, {}, /*SecondsToWait=*/600, 0, &err)
                        : -1;
  llvm::sys::fs::remove(dotFile);
  if (!written.ok())
    return written;
  if (rc != 0) {
    llvm::sys::fs::remove(tmp);
    return absl::InternalError(absl::StrCat("Graphviz's dot failed drawing ", path,
                                            err.empty() ? "" : ": ", err));
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return absl::InternalError(absl::StrCat("cannot write the graph ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}
