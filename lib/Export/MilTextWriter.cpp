//===- MilTextWriter.cpp - mil programs as MIL text + weight blob ---------===//
//
// The `model.mil` form of coreml-format.md §4. Every mil op prints as the
// MIL op of the same name; its attributes become `const` parameters named
// after the op's result. Values are named after their locations (the
// checkpoint's module names), made unique and valid as MIL identifiers.
//
//===----------------------------------------------------------------------===//
#include "lib/Export/MilTextWriter.h"
#include "lib/Export/MilBlobWriter.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

#include <cstdio>
#include <fstream>

using namespace mlir;
using namespace anec;
using namespace anec::exporter;
using namespace anec::mil;

namespace {

constexpr const char *kWeightPath = "@model_path/weights/weight.bin";

/// A MIL float literal that reads back bit-exactly (fp16 values are rounded
/// to fp16 first, so the literal is the value the program holds).
std::string floatLiteral(double v, Type element = Type()) {
  if (element && element.isF16())
    v = (double)(_Float16)v;
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

class Writer {
public:
  Writer(const MilTextOptions &options, MilBlobWriter &blob)
      : options(options), blob(blob) {}

  absl::Status writeFunction(func::FuncOp fn, llvm::raw_ostream &os);

private:
  bool newForm() const { return options.os == TargetOS::iOS18; }
  std::string opset() const {
    switch (options.os) {
    case TargetOS::iOS16: return "ios16";
    case TargetOS::iOS17: return "ios17";
    default: return "ios18";
    }
  }
  std::string typeName(Type t) {
    if (auto s = dyn_cast<StateType>(t))
      return "state<" + typeName(s.getWrappedType()) + ">";
    auto r = cast<RankedTensorType>(t);
    std::string dtype = getMilTypeName(r.getElementType()).str();
    if (r.getRank() == 0 && newForm())
      return dtype;
    std::string s = "tensor<" + dtype + ", [";
    for (auto [i, d] : llvm::enumerate(r.getShape()))
      s += (i ? ", " : "") + std::to_string(d);
    return s + "]>";
  }
  std::string unique(std::string base) {
    for (char &c : base)
      if (!isalnum((unsigned char)c) && c != '_')
        c = '_';
    if (base.empty() || isdigit((unsigned char)base[0]))
      base = "v_" + base;
    std::string name = base;
    for (int k = 1; used.contains(name); ++k)
      name = absl::StrCat(base, "_", k);
    used.insert(name);
    return name;
  }
  std::string nameFor(Value v) {
    auto it = names.find(v.getAsOpaquePointer());
    return it == names.end() ? "<unnamed>" : it->second;
  }
  std::string locName(Operation *op) {
    if (auto n = dyn_cast<NameLoc>(op->getLoc()))
      return n.getName().str();
    // Never an op's own name: `const = const()` would read badly.
    return op->getName().stripDialect().str() + "_0";
  }
  /// An immediate literal for an elements attribute (small constants).
  absl::StatusOr<std::string> immediate(ElementsAttr attr, Type element);
  /// The value expression of a constant: immediate or BLOBFILE.
  absl::StatusOr<std::string> constantValue(ElementsAttr attr, Type element);
  /// A const statement; returns the name it defines.
  absl::StatusOr<std::string> emitConst(const std::string &base, Type type,
                                        const std::string &value);
  absl::StatusOr<std::string> attributeParam(Operation *op, StringRef name,
                                             Attribute attr);

  const MilTextOptions &options;
  MilBlobWriter &blob;
  absl::flat_hash_set<std::string> used;
  absl::flat_hash_map<const void *, std::string> names;
  absl::flat_hash_map<std::pair<const void *, const void *>, uint64_t> blobOffsets;
  std::string body;
};

absl::StatusOr<std::string> Writer::immediate(ElementsAttr attr, Type element) {
  auto type = cast<ShapedType>(attr.getType());
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return absl::InvalidArgumentError(
        "a small constant is held as a resource; only dense values are written inline");
  std::string dtype = getMilTypeName(element).str();
  std::vector<std::string> values;
  if (isa<FloatType>(type.getElementType())) {
    for (APFloat v : dense.getValues<APFloat>())
      values.push_back(floatLiteral(v.convertToDouble(), element));
  } else {
    bool isUnsigned = type.getElementType().isUnsignedInteger();
    for (APInt v : dense.getValues<APInt>()) {
      if (element.isInteger(1))
        values.push_back(v.isZero() ? "false" : "true");
      else
        values.push_back(std::to_string(isUnsigned ? (int64_t)v.getZExtValue()
                                                   : v.getSExtValue()));
    }
  }
  if (dense.isSplat())
    values.resize(type.getNumElements(), values.front());
  if (type.getRank() == 0) {
    if (newForm())
      return absl::StrCat(dtype, "(", values[0], ")");
    return absl::StrCat("tensor<", dtype, ", []>(", values[0], ")");
  }
  std::string s = typeName(RankedTensorType::get(type.getShape(), element)) + "([";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + values[i];
  return s + "])";
}

absl::StatusOr<std::string> Writer::constantValue(ElementsAttr attr, Type element) {
  auto type = cast<ShapedType>(attr.getType());
  unsigned bits = element.getIntOrFloatBitWidth();
  // A weight shared by several functions is written once.
  auto key = std::make_pair(attr.getAsOpaquePointer(), element.getAsOpaquePointer());
  if (auto it = blobOffsets.find(key); it != blobOffsets.end())
    return absl::StrCat(typeName(RankedTensorType::get(type.getShape(), element)),
                        "(BLOBFILE(path = string(\"", kWeightPath,
                        "\"), offset = uint64(", it->second, ")))");
  bool blobType = element.isF16() || element.isF32() || element.isInteger(8) ||
                  (bits < 8 && milBlobDtype(element) != 0);
  if (blobType && (type.getNumElements() >= 10 || isa<DenseResourceElementsAttr>(attr))) {
    auto offset = blob.add(attr, element);
    if (!offset.ok())
      return offset.status();
    blobOffsets[key] = *offset;
    return absl::StrCat(typeName(RankedTensorType::get(type.getShape(), element)),
                        "(BLOBFILE(path = string(\"", kWeightPath,
                        "\"), offset = uint64(", *offset, ")))");
  }
  return immediate(attr, element);
}

absl::StatusOr<std::string> Writer::emitConst(const std::string &base, Type type,
                                              const std::string &value) {
  std::string name = unique(base);
  body += absl::StrCat("        ", typeName(type), " ", name, " = const()[name = string(\"",
                       name, "\"), val = ", value, "];\n");
  return name;
}

absl::StatusOr<std::string> Writer::attributeParam(Operation *op, StringRef param,
                                                   Attribute attr) {
  std::string base = absl::StrCat(nameFor(op->getResult(0)), "_", param.str());
  Builder b(op->getContext());
  auto vector = [&](Type element, int64_t n) {
    return RankedTensorType::get({n}, element);
  };
  if (auto arr = dyn_cast<DenseI64ArrayAttr>(attr)) {
    // The iOS16 LUT's shape is uint32; every other integer list is int32.
    bool u32 = isa<ConstexprLutToDenseOp>(op) && param == "shape";
    Type element = u32 ? Type(IntegerType::get(op->getContext(), 32, IntegerType::Unsigned))
                       : b.getI32Type();
    SmallVector<APInt> values;
    for (int64_t v : arr.asArrayRef())
      values.push_back(APInt(32, v, /*isSigned=*/true));
    auto type = vector(element, arr.size());
    auto lit = immediate(DenseElementsAttr::get(type, values), element);
    if (!lit.ok())
      return lit.status();
    return emitConst(base, type, *lit);
  }
  if (auto arr = dyn_cast<DenseBoolArrayAttr>(attr)) {
    SmallVector<bool> values(arr.asArrayRef());
    auto type = vector(b.getI1Type(), arr.size());
    auto lit = immediate(DenseElementsAttr::get(type, values), b.getI1Type());
    if (!lit.ok())
      return lit.status();
    return emitConst(base, type, *lit);
  }
  auto scalarType = [&](Type t) { return RankedTensorType::get({}, t); };
  if (auto boolean = dyn_cast<BoolAttr>(attr))
    return emitConst(base, scalarType(b.getI1Type()),
                     newForm() ? absl::StrCat("bool(", boolean.getValue() ? "true" : "false", ")")
                               : absl::StrCat("tensor<bool, []>(",
                                              boolean.getValue() ? "true" : "false", ")"));
  if (auto integer = dyn_cast<IntegerAttr>(attr))
    return emitConst(base, scalarType(b.getI32Type()),
                     newForm() ? absl::StrCat("int32(", integer.getInt(), ")")
                               : absl::StrCat("tensor<int32, []>(", integer.getInt(), ")"));
  if (auto str = dyn_cast<StringAttr>(attr)) {
    std::string lit = absl::StrCat("string(\"", str.str(), "\")");
    if (!newForm())
      lit = absl::StrCat("tensor<string, []>(\"", str.str(), "\")");
    std::string name = unique(base);
    body += absl::StrCat("        ", newForm() ? "string" : "tensor<string, []>", " ", name,
                         " = const()[name = string(\"", name, "\"), val = ", lit, "];\n");
    return name;
  }
  if (auto f = dyn_cast<FloatAttr>(attr)) {
    // Float parameters (epsilon, constant_val) take the op's data type.
    Type element = cast<ShapedType>(op->getOperand(0).getType()).getElementType();
    std::string dtype = getMilTypeName(element).str();
    std::string v = floatLiteral(f.getValueAsDouble(), element);
    return emitConst(base, scalarType(element),
                     newForm() ? absl::StrCat(dtype, "(", v, ")")
                               : absl::StrCat("tensor<", dtype, ", []>(", v, ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", op->getName().getStringRef().str(), "': attribute '", param.str(),
      "' has no MIL form"));
}

absl::Status Writer::writeFunction(func::FuncOp fn, llvm::raw_ostream &os) {
  body.clear();
  used.clear();
  names.clear();
  // Inputs: named by `mil.name`/`mil.state_name` argument attributes.
  std::string signature;
  for (BlockArgument arg : fn.getArguments()) {
    std::string base = absl::StrCat("input_", arg.getArgNumber());
    if (auto n = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.name"))
      base = n.str();
    else if (auto n = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.state_name"))
      base = n.str();
    std::string name = unique(base);
    names[arg.getAsOpaquePointer()] = name;
    signature += (signature.empty() ? "" : ", ") + typeName(arg.getType()) + " " + name;
  }
  // Results named by `mil.name` result attributes take that name.
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  absl::flat_hash_map<const void *, std::string> outputNames;
  for (auto [k, v] : llvm::enumerate(ret.getOperands()))
    if (auto n = fn.getResultAttrOfType<StringAttr>(k, "mil.name"))
      if (v.getDefiningOp())
        outputNames[v.getAsOpaquePointer()] = n.str();

  // Weights cast to fp16 are written once, as fp16.
  absl::flat_hash_set<Operation *> foldedConsts;
  for (auto c : fn.getOps<ConstOp>())
    if (!c->use_empty() && llvm::all_of(c->getUsers(), [](Operation *u) {
          auto cast = dyn_cast<CastOp>(u);
          return cast && cast.getType().getElementType().isF16() &&
                 isa<FloatType>(cast.getX().getType().getElementType());
        }))
      foldedConsts.insert(c);

  for (Operation &opRef : fn.getBody().front().without_terminator()) {
    Operation *op = &opRef;
    if (foldedConsts.contains(op))
      continue;
    if (isa<RmsNormOp>(op))
      return absl::FailedPreconditionError(absl::StrCat(
          "'mil.rms_norm' has no MIL form; run the ANE pipeline (anec-rms-norm-to-layer-norm) first"));
    if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "mil")
      return absl::InvalidArgumentError(absl::StrCat(
          "'", op->getName().getStringRef().str(), "' is not a mil op and has no MIL form"));
    for (Value r : op->getResults()) {
      auto it = outputNames.find(r.getAsOpaquePointer());
      names[r.getAsOpaquePointer()] =
          unique(it != outputNames.end() ? it->second : locName(op));
    }
    std::string result = nameFor(op->getResult(0));
    if (auto c = dyn_cast<ConstOp>(op)) {
      auto value = constantValue(c.getVal(), c.getType().getElementType());
      if (!value.ok())
        return value.status();
      used.erase(result);
      auto name = emitConst(result, c.getType(), *value);
      if (!name.ok())
        return name.status();
      names[c.getResult().getAsOpaquePointer()] = *name;
      continue;
    }
    if (auto cast = dyn_cast<CastOp>(op)) {
      if (auto src = cast.getX().getDefiningOp<ConstOp>(); src && foldedConsts.contains(src)) {
        auto value = constantValue(src.getVal(), cast.getType().getElementType());
        if (!value.ok())
          return value.status();
        used.erase(result);
        auto name = emitConst(result, cast.getType(), *value);
        if (!name.ok())
          return name.status();
        names[cast.getResult().getAsOpaquePointer()] = *name;
        continue;
      }
    }
    // Parameters: operands by their ODS names, attributes as consts.
    std::vector<std::pair<std::string, std::string>> params;
    // MIL parameter names of the operands (the ODS operand names).
    static const llvm::StringMap<std::vector<std::string>> kOperandNames = {
        {"linear", {"x", "weight", "bias"}},
        {"conv", {"x", "weight", "bias"}},
        {"matmul", {"x", "y"}},
        {"layer_norm", {"x", "gamma", "beta"}},
        {"scaled_dot_product_attention", {"query", "key", "value", "attn_mask"}},
        {"gather", {"x", "indices"}},
        {"constexpr_affine_dequantize", {"quantized_data", "zero_point", "scale"}},
        {"constexpr_lut_to_dense", {"indices", "lut"}},
        {"constexpr_blockwise_shift_scale", {"data", "scale", "offset"}},
        {"constexpr_cast", {"source_val"}},
        {"quantize", {"input", "scale", "zero_point"}},
        {"dequantize", {"input", "scale", "zero_point"}},
        {"read_state", {"input"}},
        {"coreml_update_state", {"state", "value"}},
        {"slice_update", {"x", "update", "begin", "end"}},
    };
    StringRef mnemonic = op->getName().stripDialect();
    std::vector<std::string> operandNames;
    if (auto it = kOperandNames.find(mnemonic); it != kOperandNames.end())
      operandNames = it->second;
    else if (op->getNumOperands() == 2)
      operandNames = {"x", "y"}; // element-wise binary
    else
      operandNames = {"x"};
    if (auto concat = dyn_cast<ConcatOp>(op)) {
      std::string tuple = "(";
      for (auto [i, v] : llvm::enumerate(concat.getValues()))
        tuple += (i ? ", " : "") + nameFor(v);
      params.push_back({"values", tuple + ")"});
    } else if (auto ln = dyn_cast<LayerNormOp>(op)) {
      params.push_back({"x", nameFor(ln.getX())});
      if (ln.getGamma())
        params.push_back({"gamma", nameFor(ln.getGamma())});
      if (ln.getBeta())
        params.push_back({"beta", nameFor(ln.getBeta())});
    } else {
      // Optional operands are absent at the end of the list.
      for (auto [i, v] : llvm::enumerate(op->getOperands()))
        params.push_back({i < operandNames.size() ? operandNames[i] : absl::StrCat("arg", i),
                          nameFor(v)});
    }
    // Attributes, and conv's parameters that Core ML wants spelled out.
    NamedAttrList attrs(op->getAttrDictionary());
    if (auto conv = dyn_cast<ConvOp>(op)) {
      Builder b(op->getContext());
      int64_t spatial = conv.getX().getType().getRank() - 2;
      if (!attrs.get("strides"))
        attrs.set("strides", b.getDenseI64ArrayAttr(SmallVector<int64_t>(spatial, 1)));
      if (!attrs.get("dilations"))
        attrs.set("dilations", b.getDenseI64ArrayAttr(SmallVector<int64_t>(spatial, 1)));
      if (!attrs.get("pad"))
        attrs.set("pad", b.getDenseI64ArrayAttr(SmallVector<int64_t>(2 * spatial, 0)));
      if (!attrs.get("pad_type"))
        attrs.set("pad_type", b.getStringAttr("valid"));
      if (!attrs.get("groups"))
        attrs.set("groups", b.getI64IntegerAttr(1));
    }
    for (NamedAttribute a : attrs) {
      if (a.getName() == "operandSegmentSizes")
        continue;
      auto name = attributeParam(op, a.getName().strref(), a.getValue());
      if (!name.ok())
        return name.status();
      params.push_back({a.getName().str(), *name});
    }
    std::sort(params.begin(), params.end());
    std::string args;
    for (auto &[k, v] : params)
      args += (args.empty() ? "" : ", ") + k + " = " + v;
    std::string lhs;
    if (op->getNumResults() == 1) {
      lhs = typeName(op->getResult(0).getType()) + " " + result;
    } else {
      lhs = "(";
      for (auto [i, r] : llvm::enumerate(op->getResults()))
        lhs += (i ? ", " : "") + typeName(r.getType()) + " " + nameFor(r);
      lhs += ")";
    }
    body += absl::StrCat("        ", lhs, " = ", mnemonic.str(), "(", args,
                         ")[name = string(\"", result, "\")];\n");
  }
  std::string outputs;
  for (Value v : ret.getOperands())
    outputs += (outputs.empty() ? "" : ", ") + nameFor(v);
  os << "    func " << fn.getSymName() << "<" << opset() << ">(" << signature << ") {\n"
     << body << "    } -> (" << outputs << ");\n";
  return absl::OkStatus();
}

} // namespace

absl::Status anec::exporter::writeMilText(ModuleOp module, const std::string &dir,
                                          const MilTextOptions &options) {
  std::string tmp = dir + ".tmp";
  llvm::sys::fs::remove_directories(tmp);
  llvm::SmallString<256> weights(tmp);
  llvm::sys::path::append(weights, "weights");
  if (std::error_code ec = llvm::sys::fs::create_directories(weights))
    return absl::InternalError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  llvm::SmallString<256> blobPath(weights);
  llvm::sys::path::append(blobPath, "weight.bin");
  auto blob = MilBlobWriter::create(blobPath.str().str());
  if (!blob.ok())
    return blob.status();

  std::string text;
  llvm::raw_string_ostream os(text);
  if (options.os == TargetOS::iOS18)
    os << "program(1.3)\n"
       << "[buildInfo = dict<string, string>({{\"coremlc-component-MIL\", \"3510.2.1\"}, "
          "{\"coremlc-version\", \"3505.4.1\"}})]\n";
  else
    os << "program(1.0)\n"
       << "[buildInfo = dict<tensor<string, []>, tensor<string, []>>({{\"coremlc-component-MIL\", "
          "\"3510.2.1\"}, {\"coremlc-version\", \"3505.4.1\"}})]\n";
  os << "{\n";
  Writer writer(options, **blob);
  int functions = 0;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    if (functions++ && options.os != TargetOS::iOS18)
      return absl::InvalidArgumentError("several functions need the iOS18 form (multifunction)");
    if (absl::Status s = writer.writeFunction(fn, os); !s.ok())
      return absl::Status(s.code(), absl::StrCat("function '", fn.getSymName().str(),
                                                 "': ", s.message()));
  }
  os << "}\n";
  if (!functions)
    return absl::InvalidArgumentError("the module has no function to write");
  if (absl::Status s = (*blob)->finish(); !s.ok())
    return s;
  llvm::SmallString<256> milPath(tmp);
  llvm::sys::path::append(milPath, "model.mil");
  {
    std::ofstream out(milPath.str().str(), std::ios::trunc);
    out << text;
    if (!out)
      return absl::InternalError(absl::StrCat(dir, ": cannot write model.mil"));
  }
  // Replace any previous output only once the new one is complete.
  std::string old = dir + ".old";
  llvm::sys::fs::remove_directories(old);
  bool hadOld = llvm::sys::fs::exists(dir);
  if (hadOld && llvm::sys::fs::rename(dir, old))
    return absl::InternalError(absl::StrCat(dir, ": cannot move the previous output aside"));
  if (llvm::sys::fs::rename(tmp, dir))
    return absl::InternalError(absl::StrCat(dir, ": cannot rename into place"));
  if (hadOld)
    llvm::sys::fs::remove_directories(old);
  return absl::OkStatus();
}
