//===- MlPackageWriter.cpp - Core ML .mlpackage ---------------------------===//
//
// coreml-format.md §1-2. The MIL program is the same lowered MilProgram the
// text writer prints; here it becomes MILSpec protobuf: ops with their
// parameters bound by name, consts with a `val` attribute holding an
// immediate value or a BlobFileValue pointing at the weight's metadata
// record in weight.bin.
//
//===----------------------------------------------------------------------===//
#include "lib/Export/MlPackageWriter.h"
#include "lib/Export/MilLowering.h"
#include "lib/Export/MilTextWriter.h"
#include "lib/Support/OutputPath.h"

#include "CoreML.pb.h"
#include "MIL.pb.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstring>
#include <fstream>

using namespace anec::exporter;
namespace spec = CoreML::Specification;
namespace mil = CoreML::Specification::MILSpec;

namespace {

mil::DataType protoDataType(const std::string &dtype) {
  static const std::pair<const char *, mil::DataType> table[] = {
      {"bool", mil::BOOL},     {"string", mil::STRING}, {"fp16", mil::FLOAT16},
      {"fp32", mil::FLOAT32},  {"fp64", mil::FLOAT64},  {"int8", mil::INT8},
      {"int16", mil::INT16},   {"int32", mil::INT32},   {"int64", mil::INT64},
      {"int4", mil::INT4},     {"uint8", mil::UINT8},   {"uint16", mil::UINT16},
      {"uint32", mil::UINT32}, {"uint64", mil::UINT64}, {"uint4", mil::UINT4},
      {"uint2", mil::UINT2},   {"uint1", mil::UINT1},   {"uint6", mil::UINT6},
      {"uint3", mil::UINT3},
  };
  for (auto &[name, type] : table)
    if (dtype == name)
      return type;
  return mil::UNUSED_TYPE;
}

void setValueType(const MilType &t, mil::ValueType &out) {
  mil::TensorType *tensor;
  if (t.isState)
    tensor = out.mutable_statetype()->mutable_wrappedtype()->mutable_tensortype();
  else
    tensor = out.mutable_tensortype();
  tensor->set_datatype(protoDataType(t.dtype));
  tensor->set_rank((int64_t)t.shape.size());
  for (int64_t d : t.shape)
    tensor->add_dimensions()->mutable_constant()->set_size((uint64_t)d);
}

void setValue(const MilValue &v, mil::Value &out) {
  setValueType(v.type, *out.mutable_type());
  if (v.kind == MilValue::Blob) {
    out.mutable_blobfilevalue()->set_filename(kWeightPath);
    out.mutable_blobfilevalue()->set_offset(v.blobOffset);
    return;
  }
  mil::TensorValue *tensor = out.mutable_immediatevalue()->mutable_tensor();
  const std::string &d = v.type.dtype;
  switch (v.kind) {
  case MilValue::Floats:
    if (d == "fp16") {
      // coremltools stores fp16 immediates as their raw bytes.
      std::string bytes;
      for (double x : v.floats) {
        _Float16 h = (_Float16)x;
        bytes.append(reinterpret_cast<const char *>(&h), 2);
      }
      tensor->mutable_bytes()->set_values(bytes);
    } else if (d == "fp64") {
      for (double x : v.floats)
        tensor->mutable_doubles()->add_values(x);
    } else {
      for (double x : v.floats)
        tensor->mutable_floats()->add_values((float)x);
    }
    break;
  case MilValue::Ints:
    // coremltools writes int8, uint8, uint32 and the sub-byte dtypes as raw
    // bytes (types.IMMEDIATE_VALUE_TYPES_IN_BYTES), and reads them only so.
    if (d == "int8" || d == "uint8") {
      std::string bytes;
      for (int64_t x : v.ints)
        bytes.push_back((char)(uint8_t)x);
      tensor->mutable_bytes()->set_values(bytes);
    } else if (d == "uint32") {
      std::string bytes;
      for (int64_t x : v.ints) {
        uint32_t u = (uint32_t)x;
        for (int k = 0; k < 4; ++k)
          bytes.push_back((char)(uint8_t)(u >> (8 * k)));
      }
      tensor->mutable_bytes()->set_values(bytes);
    } else if (int nbits = subByteBits(d)) {
      // Packed from the least significant bit up.
      std::string bytes((v.ints.size() * nbits + 7) / 8, '\0');
      for (size_t i = 0; i < v.ints.size(); ++i)
        for (int k = 0; k < nbits; ++k)
          if (((uint64_t)v.ints[i] >> k) & 1)
            bytes[(i * nbits + k) / 8] |= (char)(1u << ((i * nbits + k) % 8));
      tensor->mutable_bytes()->set_values(bytes);
    } else if (d == "int64" || d == "uint64") {
      for (int64_t x : v.ints)
        tensor->mutable_longints()->add_values(x);
    } else {
      for (int64_t x : v.ints)
        tensor->mutable_ints()->add_values((int32_t)x);
    }
    break;
  case MilValue::Bools:
    for (bool b : v.bools)
      tensor->mutable_bools()->add_values(b);
    break;
  case MilValue::Strings:
    for (const std::string &s : v.strings)
      tensor->mutable_strings()->add_values(s);
    break;
  default:
    break;
  }
}

void stringValue(const std::string &s, mil::Value &out) {
  MilValue v;
  v.type = {"string", {}};
  v.kind = MilValue::Strings;
  v.strings = {s};
  setValue(v, out);
}

spec::ArrayFeatureType::ArrayDataType arrayDataType(const std::string &dtype) {
  if (dtype == "fp16")
    return spec::ArrayFeatureType::FLOAT16;
  if (dtype == "fp32")
    return spec::ArrayFeatureType::FLOAT32;
  if (dtype == "int8")
    return spec::ArrayFeatureType::INT8;
  if (dtype == "fp64")
    return spec::ArrayFeatureType::DOUBLE;
  return spec::ArrayFeatureType::INT32;
}

void feature(const std::string &name, const MilType &t, spec::FeatureDescription &out) {
  out.set_name(name);
  spec::ArrayFeatureType *array = t.isState
                                      ? out.mutable_type()->mutable_statetype()->mutable_arraytype()
                                      : out.mutable_type()->mutable_multiarraytype();
  for (int64_t d : t.shape)
    array->add_shape(d);
  array->set_datatype(arrayDataType(t.dtype));
}

/// The type of each output of a function, from the op that defines it.
MilType outputType(const MilFunction &fn, const std::string &name) {
  for (const MilOperation &op : fn.operations)
    for (auto &[n, t] : op.outputs)
      if (n == name)
        return t;
  for (auto &[n, t] : fn.inputs)
    if (n == name)
      return t;
  return {};
}

template <typename Desc>
void describe(const MilFunction &fn, Desc &desc) {
  for (auto &[name, t] : fn.inputs)
    feature(name, t, t.isState ? *desc.add_state() : *desc.add_input());
  for (const std::string &o : fn.outputs)
    feature(o, outputType(fn, o), *desc.add_output());
}

std::string uuid(uint64_t a, uint64_t b) {
  return absl::StrFormat("%08X-%04X-%04X-%04X-%012X", uint32_t(a >> 32), uint32_t(a >> 16) & 0xffff,
                         (uint32_t(a) & 0x0fff) | 0x4000, (uint32_t(b >> 48) & 0x3fff) | 0x8000,
                         b & 0xffffffffffffull);
}

} // namespace

void anec::exporter::buildModelProto(const MilProgram &program, spec::Model &model) {
  model.set_specificationversion(specificationVersion(program.os));
  std::string opset = protoOpset(program.os);
  mil::Program *p = model.mutable_mlprogram();
  p->set_version(1);
  for (const MilFunction &fn : program.functions) {
    mil::Function &f = (*p->mutable_functions())[fn.name];
    f.set_opset(opset);
    for (auto &[name, t] : fn.inputs) {
      mil::NamedValueType *in = f.add_inputs();
      in->set_name(name);
      setValueType(t, *in->mutable_type());
    }
    mil::Block &block = (*f.mutable_block_specializations())[opset];
    for (const std::string &o : fn.outputs)
      block.add_outputs(o);
    // In iOS18 programs coremltools binds a constexpr op's constant inputs
    // as values of their own (no const op), when no other op uses them.
    absl::flat_hash_map<std::string, const MilOperation *> inlined;
    if (program.os == TargetOS::iOS18) {
      absl::flat_hash_map<std::string, const MilOperation *> consts;
      absl::flat_hash_set<std::string> usedElsewhere(fn.outputs.begin(), fn.outputs.end());
      for (const MilOperation &op : fn.operations) {
        if (op.hasVal)
          consts[op.name] = &op;
        bool constexprOp = llvm::StringRef(op.type).starts_with("constexpr_");
        for (auto &[param, names] : op.inputs)
          for (const std::string &n : names)
            if (!constexprOp)
              usedElsewhere.insert(n);
      }
      for (const MilOperation &op : fn.operations)
        if (llvm::StringRef(op.type).starts_with("constexpr_"))
          for (auto &[param, names] : op.inputs)
            for (const std::string &n : names)
              if (auto c = consts.find(n); c != consts.end() && !usedElsewhere.contains(n))
                inlined[n] = c->second;
    }
    for (const MilOperation &op : fn.operations) {
      if (op.hasVal && inlined.contains(op.outputs.empty() ? op.name : op.outputs[0].first))
        continue;
      mil::Operation *o = block.add_operations();
      o->set_type(op.type);
      for (auto &[param, names] : op.inputs) {
        mil::Argument &arg = (*o->mutable_inputs())[param];
        for (const std::string &n : names) {
          auto c = inlined.find(n);
          if (c != inlined.end() && llvm::StringRef(op.type).starts_with("constexpr_"))
            setValue(c->second->val, *arg.add_arguments()->mutable_value());
          else
            arg.add_arguments()->set_name(n);
        }
      }
      for (auto &[name, t] : op.outputs) {
        mil::NamedValueType *out = o->add_outputs();
        out->set_name(name);
        setValueType(t, *out->mutable_type());
      }
      stringValue(op.name, (*o->mutable_attributes())["name"]);
      if (op.hasVal)
        setValue(op.val, (*o->mutable_attributes())["val"]);
      for (auto &[param, v] : op.literalParams)
        setValue(v, (*o->mutable_attributes())[param]);
    }
  }
  spec::ModelDescription *desc = model.mutable_description();
  for (const auto &[key, value] : program.metadata)
    (*desc->mutable_metadata()->mutable_userdefined())[key] = value;
  const MilFunction &main = program.functions.front();
  // A multifunction model is described per function only, with the first
  // as the default (coremltools' save_multifunction writes it so).
  if (program.functions.size() == 1)
    describe(main, *desc);
  if (program.functions.size() > 1) {
    for (const MilFunction &fn : program.functions) {
      spec::FunctionDescription *fd = desc->add_functions();
      fd->set_name(fn.name);
      describe(fn, *fd);
    }
    desc->set_defaultfunctionname(main.name);
  }
}

absl::Status anec::exporter::writeMlPackage(mlir::ModuleOp module, const std::string &path,
                                            const MlPackageOptions &options) {
  // Written beside the output under a name of this run's own, then moved
  // into place (lib/Support/OutputPath.h).
  support::TempOutput temp(path);
  const std::string &tmp = temp.path();
  auto program = lowerIntoTemporary(module, options.os, tmp, "Data/com.apple.CoreML/weights", path);
  if (program.ok() && options.metadata)
    *options.metadata = program->metadata;
  if (!program.ok())
    return program.status();
  llvm::SmallString<256> data(tmp);
  llvm::sys::path::append(data, "Data", "com.apple.CoreML");

  spec::Model model;
  buildModelProto(*program, model);
  // Deterministic serialization: maps in key order, so the same program
  // always gives the same bytes.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!model.SerializeToCodedStream(&coded))
      return absl::InternalError("cannot serialize the model");
  }
  llvm::SmallString<256> modelPath(data);
  llvm::sys::path::append(modelPath, "model.mlmodel");
  {
    std::ofstream out(modelPath.str().str(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), bytes.size());
    if (!out)
      return absl::InternalError(absl::StrCat(path, ": cannot write model.mlmodel"));
  }
  // Identifiers derived from the content keep the package deterministic.
  uint64_t h = llvm::xxh3_64bits(llvm::StringRef(bytes));
  uint64_t w = llvm::xxh3_64bits(llvm::StringRef(bytes + "weights"));
  std::string modelId = uuid(h, h * 0x9e3779b97f4a7c15ull);
  std::string weightsId = uuid(w, w * 0x9e3779b97f4a7c15ull);
  std::string manifest = absl::StrCat(
      "{\n    \"fileFormatVersion\": \"1.0.0\",\n    \"itemInfoEntries\": {\n", "        \"",
      modelId,
      "\": {\n            \"author\": \"com.apple.CoreML\",\n            \"description\": "
      "\"CoreML Model Specification\",\n            \"name\": \"model.mlmodel\",\n"
      "            \"path\": \"com.apple.CoreML/model.mlmodel\"\n        },\n",
      "        \"", weightsId,
      "\": {\n            \"author\": \"com.apple.CoreML\",\n            \"description\": "
      "\"CoreML Model Weights\",\n            \"name\": \"weights\",\n"
      "            \"path\": \"com.apple.CoreML/weights\"\n        }\n    },\n",
      "    \"rootModelIdentifier\": \"", modelId, "\"\n}\n");
  llvm::SmallString<256> manifestPath(tmp);
  llvm::sys::path::append(manifestPath, "Manifest.json");
  {
    std::ofstream out(manifestPath.str().str(), std::ios::trunc);
    out << manifest;
    if (!out)
      return absl::InternalError(absl::StrCat(path, ": cannot write Manifest.json"));
  }
  return temp.commit();
}
