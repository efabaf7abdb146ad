//===- MlPackageReader.cpp - Core ML .mlpackage into the mil dialect ------===//
//
// Manifest.json names the model and weights; model.mlmodel is the Model
// protobuf whose mlProgram is read into a MilProgram and raised. Every
// file is treated as hostile: sizes checked before reading, paths confined
// to the package, and each weight reference checked against weight.bin.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Support/Json.h"
#include "lib/Import/MilProgramImporter.h"
#include "lib/Import/SafeTensors.h"

#include "CoreML.pb.h"
#include <google/protobuf/stubs/logging.h>
#include "MIL.pb.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cstring>

using namespace anec;
using namespace anec::import;
using namespace anec::exporter;
namespace spec = CoreML::Specification;
namespace milspec = CoreML::Specification::MILSpec;

namespace {

absl::Status bad(const std::string &path, const std::string &what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string dtypeName(milspec::DataType t) {
  switch (t) {
  case milspec::BOOL: return "bool";
  case milspec::STRING: return "string";
  case milspec::FLOAT16: return "fp16";
  case milspec::FLOAT32: return "fp32";
  case milspec::FLOAT64: return "fp64";
  case milspec::INT8: return "int8";
  case milspec::INT16: return "int16";
  case milspec::INT32: return "int32";
  case milspec::INT64: return "int64";
  case milspec::INT4: return "int4";
  case milspec::UINT8: return "uint8";
  case milspec::UINT16: return "uint16";
  case milspec::UINT32: return "uint32";
  case milspec::UINT64: return "uint64";
  case milspec::UINT4: return "uint4";
  case milspec::UINT2: return "uint2";
  case milspec::UINT1: return "uint1";
  case milspec::UINT6: return "uint6";
  case milspec::UINT3: return "uint3";
  default: return "";
  }
}

absl::StatusOr<MilType> readType(const milspec::ValueType &vt, const std::string &where) {
  MilType t;
  const milspec::ValueType *inner = &vt;
  if (vt.has_statetype()) {
    t.isState = true;
    inner = &vt.statetype().wrappedtype();
  }
  if (!inner->has_tensortype())
    return absl::InvalidArgumentError(absl::StrCat(where, ": only tensor types are supported"));
  const milspec::TensorType &tt = inner->tensortype();
  t.dtype = dtypeName(tt.datatype());
  if (t.dtype.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown data type code ", (int)tt.datatype()));
  if (tt.rank() != tt.dimensions_size())
    return absl::InvalidArgumentError(absl::StrCat(where, ": rank ", tt.rank(), " with ",
                                                   tt.dimensions_size(), " dimensions"));
  for (const milspec::Dimension &d : tt.dimensions()) {
    if (!d.has_constant())
      return absl::InvalidArgumentError(absl::StrCat(where, ": dynamic shapes are not supported"));
    if (d.constant().size() == 0 || d.constant().size() > (uint64_t(1) << 40))
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": dimension ", d.constant().size(), " is out of range"));
    t.shape.push_back((int64_t)d.constant().size());
  }
  return t;
}

absl::StatusOr<MilValue> readValue(const milspec::Value &v, const std::string &where) {
  MilValue m;
  auto type = readType(v.type(), where);
  if (!type.ok())
    return type.status();
  m.type = *type;
  if (v.has_blobfilevalue()) {
    if (v.blobfilevalue().filename() != kWeightPath)
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": weight file '", v.blobfilevalue().filename(), "' (only ", kWeightPath,
          " is supported)"));
    m.kind = MilValue::Blob;
    m.blobOffset = v.blobfilevalue().offset();
    return m;
  }
  if (!v.has_immediatevalue() || !v.immediatevalue().has_tensor())
    return absl::InvalidArgumentError(absl::StrCat(where, ": value is not a tensor"));
  const milspec::TensorValue &t = v.immediatevalue().tensor();
  const std::string &d = m.type.dtype;
  if (t.has_floats()) {
    m.kind = MilValue::Floats;
    m.floats.assign(t.floats().values().begin(), t.floats().values().end());
  } else if (t.has_doubles()) {
    m.kind = MilValue::Floats;
    m.floats.assign(t.doubles().values().begin(), t.doubles().values().end());
  } else if (t.has_ints()) {
    m.kind = MilValue::Ints;
    m.ints.assign(t.ints().values().begin(), t.ints().values().end());
  } else if (t.has_longints()) {
    m.kind = MilValue::Ints;
    m.ints.assign(t.longints().values().begin(), t.longints().values().end());
  } else if (t.has_bools()) {
    m.kind = MilValue::Bools;
    m.bools.assign(t.bools().values().begin(), t.bools().values().end());
  } else if (t.has_strings()) {
    m.kind = MilValue::Strings;
    m.strings.assign(t.strings().values().begin(), t.strings().values().end());
  } else if (t.has_bytes()) {
    const std::string &bytes = t.bytes().values();
    if (d == "fp16") {
      m.kind = MilValue::Floats;
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        _Float16 h;
        memcpy(&h, bytes.data() + i, 2);
        m.floats.push_back((double)h);
      }
    } else if (d == "int8" || d == "uint8") {
      m.kind = MilValue::Ints;
      for (char c : bytes)
        m.ints.push_back(d == "int8" ? (int64_t)(int8_t)c : (int64_t)(uint8_t)c);
    } else if (d == "uint32") {
      m.kind = MilValue::Ints;
      for (size_t i = 0; i + 3 < bytes.size(); i += 4) {
        uint32_t u = 0;
        for (int k = 0; k < 4; ++k)
          u |= (uint32_t)(uint8_t)bytes[i + k] << (8 * k);
        m.ints.push_back(u);
      }
    } else if (int nbits = subByteBits(d)) {
      // Packed from the least significant bit up; as many as the type holds.
      m.kind = MilValue::Ints;
      uint64_t count = 1;
      for (int64_t dim : m.type.shape)
        count *= (uint64_t)dim;
      if (count * nbits > bytes.size() * 8)
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ", bytes.size(), " bytes hold fewer than ", count, " ", d,
                         " values"));
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t u = 0;
        for (int k = 0; k < nbits; ++k)
          u |= (uint64_t)(((uint8_t)bytes[(i * nbits + k) / 8] >> ((i * nbits + k) % 8)) & 1) << k;
        m.ints.push_back(d == "int4" && (u & 8) ? (int64_t)u - 16 : (int64_t)u);
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": raw bytes for dtype ", d, " are not supported"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(where, ": empty value"));
  }
  return m;
}

absl::StatusOr<MilProgram> readProgram(const spec::Model &model, const std::string &path) {
  MilProgram program;
  int version = model.specificationversion();
  if (version < 7)
    return bad(path, absl::StrCat("specificationVersion ", version,
                                  " predates ML Programs with weights (7, iOS16)"));
  program.os = version == 7 ? TargetOS::iOS16 : version == 8 ? TargetOS::iOS17 : TargetOS::iOS18;
  if (!model.has_mlprogram())
    return bad(path, "is not an ML Program (no mlProgram)");
  const milspec::Program &p = model.mlprogram();
  // The user-defined metadata (anec's interface keys among them), bounded.
  if (model.description().metadata().userdefined().size() > 4096)
    return bad(path, "holds more than 4096 user-defined metadata entries");
  for (const auto &[key, value] : model.description().metadata().userdefined())
    program.metadata.push_back({key, value});
  std::sort(program.metadata.begin(), program.metadata.end());
  // Functions in the description's order, else by name.
  std::vector<std::string> order;
  for (const spec::FunctionDescription &f : model.description().functions())
    if (p.functions().count(f.name()))
      order.push_back(f.name());
  if (order.size() != p.functions().size()) {
    order.clear();
    for (auto &kv : p.functions())
      order.push_back(kv.first);
    std::sort(order.begin(), order.end());
  }
  for (const std::string &name : order) {
    const milspec::Function &f = p.functions().at(name);
    std::string where = absl::StrCat(path, ": function '", name, "'");
    MilFunction fn;
    fn.name = name;
    std::string opset = f.opset();
    fn.opset = program.os == TargetOS::iOS18 ? "ios18" : program.os == TargetOS::iOS17 ? "ios17" : "ios16";
    for (const milspec::NamedValueType &in : f.inputs()) {
      auto t = readType(in.type(), absl::StrCat(where, ", input '", in.name(), "'"));
      if (!t.ok())
        return t.status();
      fn.inputs.push_back({in.name(), *t});
    }
    auto blockIt = f.block_specializations().find(opset);
    if (blockIt == f.block_specializations().end())
      return bad(where, absl::StrCat("has no block for its opset '", opset, "'"));
    const milspec::Block &block = blockIt->second;
    for (const std::string &o : block.outputs())
      fn.outputs.push_back(o);
    for (const milspec::Operation &o : block.operations()) {
      MilOperation op;
      op.type = o.type();
      auto nameIt = o.attributes().find("name");
      std::string opWhere = absl::StrCat(where, ", op ", fn.operations.size(), " (", o.type(), ")");
      if (nameIt != o.attributes().end()) {
        auto nv = readValue(nameIt->second, opWhere);
        if (nv.ok() && nv->kind == MilValue::Strings && nv->strings.size() == 1)
          op.name = nv->strings[0];
      }
      for (const milspec::NamedValueType &out : o.outputs()) {
        auto t = readType(out.type(), opWhere);
        if (!t.ok())
          return t.status();
        op.outputs.push_back({out.name(), *t});
      }
      if (op.name.empty() && !op.outputs.empty())
        op.name = op.outputs[0].first;
      if (o.type() == "const") {
        auto valIt = o.attributes().find("val");
        if (valIt == o.attributes().end())
          return bad(opWhere, "a const without val");
        auto v = readValue(valIt->second, opWhere);
        if (!v.ok())
          return v.status();
        op.hasVal = true;
        op.val = std::move(*v);
      }
      // iOS16 constexpr ops carry their inputs as attributes: make each a
      // const of its own, as the text reader does.
      std::vector<std::string> attrNames;
      for (auto &kv : o.attributes())
        if (kv.first != "name" && kv.first != "val")
          attrNames.push_back(kv.first);
      std::sort(attrNames.begin(), attrNames.end());
      for (const std::string &key : attrNames) {
        auto v = readValue(o.attributes().at(key), absl::StrCat(opWhere, ", attribute '", key, "'"));
        if (!v.ok())
          return v.status();
        MilOperation c;
        c.type = "const";
        c.hasVal = true;
        c.name = absl::StrCat(op.outputs.empty() ? "op" : op.outputs[0].first, "_", key);
        c.val = std::move(*v);
        c.outputs.push_back({c.name, c.val.type});
        op.inputs.push_back({key, {c.name}});
        fn.operations.push_back(std::move(c));
      }
      for (auto &[param, arg] : o.inputs()) {
        std::vector<std::string> names;
        for (const auto &binding : arg.arguments()) {
          if (binding.has_name()) {
            names.push_back(binding.name());
            continue;
          }
          if (!binding.has_value())
            return bad(opWhere, absl::StrCat("parameter '", param, "' is bound to nothing"));
          // An inline value (coremltools' iOS18 constexpr inputs): a const
          // of its own, as an iOS16 attribute is.
          auto v = readValue(binding.value(), absl::StrCat(opWhere, ", parameter '", param, "'"));
          if (!v.ok())
            return v.status();
          MilOperation c;
          c.type = "const";
          c.hasVal = true;
          c.name = absl::StrCat(op.outputs.empty() ? op.name : op.outputs[0].first, "_", param,
                                arg.arguments_size() > 1 ? absl::StrCat("_", names.size()) : "");
          c.val = std::move(*v);
          c.outputs.push_back({c.name, c.val.type});
          names.push_back(c.name);
          fn.operations.push_back(std::move(c));
        }
        op.inputs.push_back({param, names});
      }
      std::sort(op.inputs.begin(), op.inputs.end());
      fn.operations.push_back(std::move(op));
    }
    program.functions.push_back(std::move(fn));
  }
  if (program.functions.empty())
    return bad(path, "the program has no functions");
  return program;
}

} // namespace

absl::StatusOr<MilProgram> anec::import::readModelProgram(llvm::StringRef bytes,
                                                          const std::string &path) {
  if (bytes.size() > (uint64_t(1) << 31) - 1)
    return bad(path, "larger than a protobuf message can be");
  // A hostile file's problems are reported as anec's error, not as
  // protobuf's log lines (e.g. invalid UTF-8 in a string field).
  static bool silenced = (google::protobuf::SetLogHandler(nullptr), true);
  (void)silenced;
  spec::Model model;
  if (!model.ParseFromArray(bytes.data(), (int)bytes.size()))
    return bad(path, "does not parse as a Core ML Model protobuf");
  return readProgram(model, path);
}

absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
anec::import::importMlPackage(mlir::MLIRContext *ctx, const std::string &path) {
  llvm::SmallString<256> manifestPath(path);
  llvm::sys::path::append(manifestPath, "Manifest.json");
  if (absl::Status regular = anec::requireRegularFile(manifestPath); !regular.ok())
    return regular;
  auto manifestBuf = llvm::MemoryBuffer::getFile(manifestPath, /*IsText=*/true);
  if (!manifestBuf)
    return absl::NotFoundError(absl::StrCat(manifestPath.str().str(), ": cannot open"));
  std::string mpath = manifestPath.str().str();
  if ((*manifestBuf)->getBufferSize() > (1u << 20))
    return bad(mpath, "larger than any manifest (1 MiB)");
  if (absl::Status s = checkJsonDepth((*manifestBuf)->getBuffer(), 16, mpath); !s.ok())
    return s;
  auto json = anec::parseJson((*manifestBuf)->getBuffer());
  if (!json)
    return bad(mpath, absl::StrCat("not valid JSON: ", llvm::toString(json.takeError())));
  const llvm::json::Object *manifest = json->getAsObject();
  const llvm::json::Object *items = manifest ? manifest->getObject("itemInfoEntries") : nullptr;
  std::optional<llvm::StringRef> root = manifest ? manifest->getString("rootModelIdentifier")
                                                 : std::nullopt;
  if (!items || !root)
    return bad(mpath, "needs itemInfoEntries and rootModelIdentifier");
  const llvm::json::Object *rootItem = items->getObject(*root);
  std::optional<llvm::StringRef> modelRel = rootItem ? rootItem->getString("path") : std::nullopt;
  if (!modelRel)
    return bad(mpath, "the root model item has no path");
  auto confined = [](llvm::StringRef rel) {
    return !rel.empty() && !rel.starts_with("/") && !rel.contains("..");
  };
  if (!confined(*modelRel))
    return bad(mpath, absl::StrCat("item path '", modelRel->str(), "' leaves the package"));
  llvm::SmallString<256> dataDir(path);
  llvm::sys::path::append(dataDir, "Data");
  llvm::SmallString<256> modelPath(dataDir);
  llvm::sys::path::append(modelPath, *modelRel);
  std::string mp = modelPath.str().str();

  uint64_t size = 0;
  if (llvm::sys::fs::file_size(modelPath, size))
    return absl::NotFoundError(absl::StrCat(mp, ": cannot open"));
  // Protobuf messages cannot exceed 2 GiB.
  if (size > (uint64_t(1) << 31) - 1)
    return bad(mp, absl::StrCat(size, " bytes is larger than a protobuf message can be"));
  if (absl::Status regular = anec::requireRegularFile(modelPath); !regular.ok())
    return regular;
  auto modelBuf = llvm::MemoryBuffer::getFile(modelPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!modelBuf)
    return absl::NotFoundError(absl::StrCat(mp, ": cannot open"));
  auto program = readModelProgram((*modelBuf)->getBuffer(), mp);
  if (!program.ok())
    return program.status();

  return importWithWeightsBeside(ctx, *program, mp);
}
