//===- MilLowering.cpp - a mil module as a MIL program ----------------------===//
//
// Every mil op becomes the MIL op of the same name. Tensor operands bind by
// MIL's parameter names (the ODS operand names); attributes become `const`
// parameters named after the op's result. Values are named after their
// locations (the checkpoint's module names), unique and valid identifiers.
//
//===----------------------------------------------------------------------===//
#include "lib/Export/MilLowering.h"
#include "lib/Export/Interface.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

#include <algorithm>

using namespace mlir;
using namespace anec;
using namespace anec::exporter;
using namespace anec::mil;

std::optional<TargetOS> anec::exporter::parseTargetOS(const std::string &name) {
  if (name == "ios16")
    return TargetOS::iOS16;
  if (name == "ios17")
    return TargetOS::iOS17;
  if (name == "ios18")
    return TargetOS::iOS18;
  return std::nullopt;
}

std::string anec::exporter::textOpset(TargetOS os) {
  switch (os) {
  case TargetOS::iOS16: return "ios16";
  case TargetOS::iOS17: return "ios17";
  default: return "ios18";
  }
}

std::string anec::exporter::protoOpset(TargetOS os) {
  switch (os) {
  case TargetOS::iOS16: return "CoreML6";
  case TargetOS::iOS17: return "CoreML7";
  default: return "CoreML8";
  }
}

const std::vector<std::string> *
anec::exporter::operandParamNames(const std::string &opType) {
  static const llvm::StringMap<std::vector<std::string>> names = {
      {"linear", {"x", "weight", "bias"}},
      {"conv", {"x", "weight", "bias"}},
      {"matmul", {"x", "y"}},
      {"layer_norm", {"x", "gamma", "beta"}},
      {"scaled_dot_product_attention", {"query", "key", "value", "attn_mask"}},
      {"gather", {"x", "indices"}},
      {"concat", {"values"}},
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
  auto it = names.find(opType);
  return it == names.end() ? nullptr : &it->second;
}

int anec::exporter::subByteBits(const std::string &d) {
  if (d == "int4" || d == "uint4")
    return 4;
  if (d.size() == 5 && d.compare(0, 4, "uint") == 0 && d[4] >= '1' && d[4] <= '6')
    return d[4] - '0';
  return 0;
}

int anec::exporter::specificationVersion(TargetOS os) {
  switch (os) {
  case TargetOS::iOS16: return 7;
  case TargetOS::iOS17: return 8;
  default: return 9;
  }
}

namespace {

MilType milType(Type t) {
  MilType m;
  if (auto s = dyn_cast<StateType>(t)) {
    m = milType(s.getWrappedType());
    m.isState = true;
    return m;
  }
  auto r = cast<RankedTensorType>(t);
  m.dtype = getMilTypeName(r.getElementType()).str();
  m.shape.assign(r.getShape().begin(), r.getShape().end());
  return m;
}

class Lowering {
public:
  Lowering(TargetOS os, MilBlobWriter &blob) : os(os), blob(blob) {}
  absl::StatusOr<MilFunction> lower(func::FuncOp fn);

private:
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
  absl::StatusOr<MilValue> constantValue(ElementsAttr attr, Type element);
  absl::StatusOr<std::string> attributeParam(Operation *op, StringRef param,
                                             Attribute attr);
  absl::Status writeDefaults(Operation *op, MilOperation &m);
  std::string addConst(const std::string &base, MilValue value) {
    MilOperation c;
    c.type = "const";
    c.name = unique(base);
    c.outputs.push_back({c.name, value.type});
    c.hasVal = true;
    c.val = std::move(value);
    fn.operations.push_back(std::move(c));
    return fn.operations.back().name;
  }

  TargetOS os;
  MilBlobWriter &blob;
  MilFunction fn;
  absl::flat_hash_set<std::string> used;
  absl::flat_hash_map<const void *, std::string> names;
  // Consts inlined into iOS16 constexpr ops, by name.
  absl::flat_hash_map<const void *, MilValue> inlinedValues;
  // Shared across functions: a weight is written to the blob once.
  absl::flat_hash_map<std::pair<WeightIdentity, const void *>, uint64_t> blobOffsets;
};

absl::StatusOr<MilValue> Lowering::constantValue(ElementsAttr attr, Type element) {
  auto type = cast<ShapedType>(attr.getType());
  MilValue v;
  v.type = milType(RankedTensorType::get(type.getShape(), element));
  unsigned bits = element.getIntOrFloatBitWidth();
  bool blobType = element.isF16() || element.isF32() || element.isInteger(8) ||
                  (bits < 8 && milBlobDtype(element) != 0);
  if (blobType && (type.getNumElements() >= 10 || isa<DenseResourceElementsAttr>(attr))) {
    // Keyed by the data itself: views of one weight (a vocabulary slice made
    // in each function) are written once.
    auto key = std::make_pair(weightIdentity(attr), element.getAsOpaquePointer());
    auto it = blobOffsets.find(key);
    if (it == blobOffsets.end()) {
      auto offset = blob.add(attr, element);
      if (!offset.ok())
        return offset.status();
      it = blobOffsets.emplace(key, *offset).first;
    }
    v.kind = MilValue::Blob;
    v.blobOffset = it->second;
    return v;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return absl::InvalidArgumentError(
        "a small constant is held as a resource of a type the weight blob cannot hold");
  int64_t n = type.getNumElements();
  if (isa<FloatType>(type.getElementType())) {
    v.kind = MilValue::Floats;
    for (APFloat x : dense.getValues<APFloat>()) {
      double d = x.convertToDouble();
      // The literal is the value the program holds.
      v.floats.push_back(element.isF16() ? (double)(_Float16)d : d);
    }
    if (dense.isSplat())
      v.floats.resize(n, v.floats.front());
  } else if (element.isInteger(1)) {
    v.kind = MilValue::Bools;
    for (APInt x : dense.getValues<APInt>())
      v.bools.push_back(!x.isZero());
    if (dense.isSplat())
      v.bools.resize(n, v.bools.front());
  } else {
    v.kind = MilValue::Ints;
    bool isUnsigned = type.getElementType().isUnsignedInteger();
    for (APInt x : dense.getValues<APInt>())
      v.ints.push_back(isUnsigned ? (int64_t)x.getZExtValue() : x.getSExtValue());
    if (dense.isSplat())
      v.ints.resize(n, v.ints.front());
  }
  return v;
}

absl::StatusOr<std::string> Lowering::attributeParam(Operation *op, StringRef param,
                                                     Attribute attr) {
  std::string base = absl::StrCat(nameFor(op->getResult(0)), "_", param.str());
  MilValue v;
  if (auto arr = dyn_cast<DenseI64ArrayAttr>(attr)) {
    // The iOS16 LUT's shape is uint32; every other integer list is int32.
    bool u32 = isa<ConstexprLutToDenseOp>(op) && param == "shape";
    v.type = {u32 ? "uint32" : "int32", {(int64_t)arr.size()}};
    v.kind = MilValue::Ints;
    v.ints.assign(arr.asArrayRef().begin(), arr.asArrayRef().end());
  } else if (auto arr = dyn_cast<DenseBoolArrayAttr>(attr)) {
    v.type = {"bool", {(int64_t)arr.size()}};
    v.kind = MilValue::Bools;
    v.bools.assign(arr.asArrayRef().begin(), arr.asArrayRef().end());
  } else if (auto boolean = dyn_cast<BoolAttr>(attr)) {
    v.type = {"bool", {}};
    v.kind = MilValue::Bools;
    v.bools = {boolean.getValue()};
  } else if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    v.type = {"int32", {}};
    v.kind = MilValue::Ints;
    v.ints = {integer.getInt()};
  } else if (auto str = dyn_cast<StringAttr>(attr)) {
    v.type = {"string", {}};
    v.kind = MilValue::Strings;
    v.strings = {str.str()};
  } else if (auto f = dyn_cast<FloatAttr>(attr)) {
    // Float parameters (epsilon, constant_val) take the op's data type.
    // An integer op (pad of int32 ids) takes it as an integer.
    Type element = cast<ShapedType>(op->getOperand(0).getType()).getElementType();
    v.type = {getMilTypeName(element).str(), {}};
    double d = f.getValueAsDouble();
    if (isa<IntegerType>(element)) {
      v.kind = MilValue::Ints;
      v.ints = {(int64_t)d};
    } else {
      v.kind = MilValue::Floats;
      v.floats = {element.isF16() ? (double)(_Float16)d : d};
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", op->getName().getStringRef().str(), "': attribute '", param.str(),
        "' has no MIL form"));
  }
  return addConst(base, std::move(v));
}

mil::Opset milOpset(TargetOS os) {
  switch (os) {
  case TargetOS::iOS16: return mil::Opset::iOS16;
  case TargetOS::iOS17: return mil::Opset::iOS17;
  default: return mil::Opset::iOS18;
  }
}

absl::Status Lowering::writeDefaults(Operation *op, MilOperation &m) {
  const OpContract *contract = lookupContract(op->getName().stripDialect(), milOpset(os));
  if (!contract)
    return absl::OkStatus();
  std::string result = nameFor(op->getResult(0));
  auto given = [&](const std::string &param) {
    return llvm::any_of(m.inputs, [&](auto &in) { return in.first == param; }) ||
           llvm::any_of(m.literalParams, [&](auto &in) { return in.first == param; });
  };
  // linear's bias: coremltools writes zeros of the weight's dtype.
  if (auto linear = dyn_cast<LinearOp>(op); linear && !linear.getBias()) {
    auto w = linear.getWeight().getType();
    MilValue zeros;
    zeros.type = {getMilTypeName(w.getElementType()).str(), {w.getDimSize(0)}};
    zeros.kind = MilValue::Floats;
    zeros.floats.assign(w.getDimSize(0), 0.0);
    if (zeros.floats.size() >= 10) {
      // Large enough for the weight file, as coremltools stores it.
      auto type = RankedTensorType::get({w.getDimSize(0)}, w.getElementType());
      auto attr = DenseElementsAttr::get(type, Builder(op->getContext()).getZeroAttr(
                                                   w.getElementType()));
      auto v = constantValue(cast<ElementsAttr>(attr), w.getElementType());
      if (!v.ok())
        return v.status();
      zeros = std::move(*v);
    }
    m.inputs.push_back({"bias", {addConst(absl::StrCat(result, "_bias"), std::move(zeros))}});
  }
  for (const ParamContract &p : contract->params) {
    if (!p.attribute || p.defaultValue.empty() || given(p.name))
      continue;
    MilValue v;
    const std::string &d = p.defaultValue;
    if (p.dtypes == milDtypeBit("bool")) {
      v.type = {"bool", {}};
      v.kind = MilValue::Bools;
      v.bools = {d == "true"};
    } else if (p.dtypes == milDtypeBit("string")) {
      v.type = {"string", {}};
      v.kind = MilValue::Strings;
      v.strings = {d};
    } else if (p.dtypes & milDtypeBit("int32")) {
      v.type = {"int32", {}};
      v.kind = MilValue::Ints;
      v.ints = {std::stoll(d)};
    } else {
      // A float parameter takes the data type of the op's first input.
      Type element = cast<ShapedType>(op->getOperand(0).getType()).getElementType();
      v.type = {getMilTypeName(element).str(), {}};
      v.kind = MilValue::Floats;
      double x = std::stod(d);
      v.floats = {element.isF16() ? (double)(_Float16)x : x};
    }
    m.inputs.push_back({p.name, {addConst(absl::StrCat(result, "_", p.name), std::move(v))}});
  }
  return absl::OkStatus();
}

absl::StatusOr<MilFunction> Lowering::lower(func::FuncOp func) {
  fn = MilFunction();
  used.clear();
  names.clear();
  fn.name = func.getSymName().str();
  fn.opset = textOpset(os);
  // Inputs: named by `mil.name`/`mil.state_name` argument attributes.
  for (BlockArgument arg : func.getArguments()) {
    std::string base = absl::StrCat("input_", arg.getArgNumber());
    if (auto n = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.name"))
      base = n.str();
    else if (auto n = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mil.state_name"))
      base = n.str();
    std::string name = unique(base);
    names[arg.getAsOpaquePointer()] = name;
    fn.inputs.push_back({name, milType(arg.getType())});
  }
  // Results named by `mil.name` result attributes take that name.
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  absl::flat_hash_map<const void *, std::string> outputNames;
  // Output names are reserved first, so no internal value takes them.
  for (auto [k, v] : llvm::enumerate(ret.getOperands()))
    if (auto n = func.getResultAttrOfType<StringAttr>(k, "mil.name"))
      if (v.getDefiningOp() && !outputNames.contains(v.getAsOpaquePointer()))
        outputNames[v.getAsOpaquePointer()] = unique(n.str());

  // Weights cast to fp16 are written once, as fp16.
  absl::flat_hash_set<Operation *> foldedConsts;
  for (auto c : func.getOps<ConstOp>())
    if (!c->use_empty() && llvm::all_of(c->getUsers(), [](Operation *u) {
          auto cast = dyn_cast<CastOp>(u);
          return cast && cast.getType().getElementType().isF16() &&
                 isa<FloatType>(cast.getX().getType().getElementType());
        }))
      foldedConsts.insert(c);

  for (Operation &opRef : func.getBody().front().without_terminator()) {
    Operation *op = &opRef;
    if (foldedConsts.contains(op))
      continue;
    // Dead constants (left by rewrites) are not written.
    if ((isa<ConstOp>(op) || (isa<CastOp>(op) && op->getOperand(0).getDefiningOp<ConstOp>())) &&
        op->use_empty())
      continue;
    if (isa<RmsNormOp>(op))
      return absl::FailedPreconditionError(
          "'mil.rms_norm' has no MIL form; run the ANE pipeline "
          "(anec-rms-norm-to-layer-norm) first");
    if (!op->getDialect() || op->getDialect()->getNamespace() != "mil")
      return absl::InvalidArgumentError(absl::StrCat(
          "'", op->getName().getStringRef().str(), "' is not a mil op and has no MIL form"));
    for (Value r : op->getResults()) {
      auto it = outputNames.find(r.getAsOpaquePointer());
      names[r.getAsOpaquePointer()] =
          it != outputNames.end() ? it->second : unique(locName(op));
    }
    std::string result = nameFor(op->getResult(0));
    // Constants, and weights cast to fp16 (written as fp16 constants).
    ElementsAttr constAttr;
    Type constElement;
    if (auto c = dyn_cast<ConstOp>(op)) {
      constAttr = c.getVal();
      constElement = c.getType().getElementType();
    } else if (auto cast = dyn_cast<CastOp>(op)) {
      if (auto src = cast.getX().getDefiningOp<ConstOp>(); src && foldedConsts.contains(src)) {
        constAttr = src.getVal();
        constElement = cast.getType().getElementType();
      }
    }
    if (constAttr) {
      auto value = constantValue(constAttr, constElement);
      if (!value.ok())
        return value.status();
      used.erase(result);
      // Before iOS18, constexpr ops take their inputs as literals in the
      // attribute bracket: such consts are not values of their own.
      bool inlined = os != TargetOS::iOS18 && !op->use_empty() &&
                     llvm::all_of(op->getUsers(), [](Operation *u) {
                       return u->getName().stripDialect().starts_with("constexpr_");
                     });
      if (inlined) {
        used.insert(result);
        names[op->getResult(0).getAsOpaquePointer()] = result;
        inlinedValues[op->getResult(0).getAsOpaquePointer()] = std::move(*value);
        continue;
      }
      names[op->getResult(0).getAsOpaquePointer()] = addConst(result, std::move(*value));
      continue;
    }

    if (auto update = dyn_cast<CoremlUpdateStateOp>(op)) {
      // coremltools' serialization: write_state(input, data), then
      // read_state(input) where the written value is used.
      MilOperation w;
      w.type = "write_state";
      w.name = unique(result + "_write_state");
      w.inputs = {{"data", {nameFor(update.getValue())}}, {"input", {nameFor(update.getState())}}};
      fn.operations.push_back(std::move(w));
      if (!op->use_empty()) {
        MilOperation r;
        r.type = "read_state";
        r.name = result;
        r.inputs = {{"input", {nameFor(update.getState())}}};
        r.outputs.push_back({result, milType(update.getType())});
        fn.operations.push_back(std::move(r));
      }
      continue;
    }
    MilOperation m;
    StringRef mnemonic = op->getName().stripDialect();
    m.type = mnemonic.str();
    m.name = result;
    std::vector<std::string> paramNames;
    if (auto *known = operandParamNames(mnemonic.str()))
      paramNames = *known;
    else if (op->getNumOperands() == 2)
      paramNames = {"x", "y"};
    else
      paramNames = {"x"};
    if (auto concat = dyn_cast<ConcatOp>(op)) {
      std::vector<std::string> tuple;
      for (Value v : concat.getValues())
        tuple.push_back(nameFor(v));
      m.inputs.push_back({"values", tuple});
    } else if (auto ln = dyn_cast<LayerNormOp>(op)) {
      m.inputs.push_back({"x", {nameFor(ln.getX())}});
      if (ln.getGamma())
        m.inputs.push_back({"gamma", {nameFor(ln.getGamma())}});
      if (ln.getBeta())
        m.inputs.push_back({"beta", {nameFor(ln.getBeta())}});
    } else {
      // Optional operands are absent at the end of the list.
      for (auto [i, v] : llvm::enumerate(op->getOperands())) {
        std::string param = i < paramNames.size() ? paramNames[i] : absl::StrCat("arg", i);
        auto inl = inlinedValues.find(v.getAsOpaquePointer());
        if (inl != inlinedValues.end())
          m.literalParams.push_back({param, inl->second});
        else
          m.inputs.push_back({param, {nameFor(v)}});
      }
    }
    NamedAttrList attrs(op->getAttrDictionary());
    if (auto conv = dyn_cast<ConvOp>(op)) {
      // Core ML wants conv's parameters spelled out.
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
      // Compiler annotations (dialect-prefixed, e.g. mil.compute_unit) are
      // not MIL parameters.
      if (a.getName() == "operandSegmentSizes" || a.getName().strref().contains('.'))
        continue;
      auto name = attributeParam(op, a.getName().strref(), a.getValue());
      if (!name.ok())
        return name.status();
      m.inputs.push_back({a.getName().str(), {*name}});
    }
    // Parameters left out take their defaults, written as coremltools
    // writes them (the contract table holds coremltools' defaults).
    if (absl::Status s = writeDefaults(op, m); !s.ok())
      return s;
    std::sort(m.inputs.begin(), m.inputs.end());
    if (!m.literalParams.empty()) {
      // An iOS16 constexpr op: every parameter, attributes included, is a
      // literal in the bracket.
      for (auto &[param, names] : m.inputs) {
        auto it = std::find_if(fn.operations.begin(), fn.operations.end(),
                               [&](const MilOperation &c) { return c.name == names[0]; });
        if (it == fn.operations.end() || !it->hasVal)
          return absl::InvalidArgumentError(absl::StrCat(
              "'", m.type, "' takes only constants before iOS18; parameter '", param,
              "' is not one"));
        m.literalParams.push_back({param, it->val});
        fn.operations.erase(it);
      }
      m.inputs.clear();
      std::sort(m.literalParams.begin(), m.literalParams.end(),
                [](auto &a, auto &b) { return a.first < b.first; });
    }
    for (Value r : op->getResults())
      m.outputs.push_back({nameFor(r), milType(r.getType())});
    fn.operations.push_back(std::move(m));
  }
  for (Value v : ret.getOperands())
    fn.outputs.push_back(nameFor(v));
  return std::move(fn);
}

} // namespace

absl::StatusOr<MilProgram> anec::exporter::lowerToMilProgram(ModuleOp module, TargetOS os,
                                                             MilBlobWriter &blob) {
  MilProgram program;
  program.os = os;
  // What is written must be a program of the target's opset: the module is
  // verified against it (the contracts of dialects/Mil/MilContracts.cpp).
  {
    Attribute previous = module->getAttr(kOpsetAttrName);
    std::string messages;
    LogicalResult verified = verifyInOpset(module, milOpset(os), messages);
    if (previous)
      module->setAttr(kOpsetAttrName, previous);
    else
      module->removeAttr(kOpsetAttrName);
    if (failed(verified))
      return absl::InvalidArgumentError(absl::StrCat(
          "the program is not valid in the ", textOpset(os), " opset: ", messages));
  }
  Lowering lowering(os, blob);
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    if (!program.functions.empty() && os != TargetOS::iOS18)
      return absl::InvalidArgumentError(
          "several functions need the iOS18 form (multifunction)");
    auto f = lowering.lower(fn);
    if (!f.ok())
      return absl::Status(f.status().code(),
                          absl::StrCat("function '", fn.getSymName().str(), "': ",
                                       f.status().message()));
    program.functions.push_back(std::move(*f));
  }
  // Core ML calls a program's only function `main` (coremltools refuses
  // any other name for it).
  if (program.functions.size() == 1)
    program.functions.front().name = "main";
  if (program.functions.empty())
    return absl::InvalidArgumentError("the module has no function to write");
  program.metadata = interfaceMetadata(module, program);
  return program;
}

absl::StatusOr<MilProgram> anec::exporter::lowerIntoTemporary(ModuleOp module, TargetOS os,
                                                              const std::string &tmp,
                                                              llvm::StringRef weightsDir,
                                                              const std::string &output) {
  llvm::sys::fs::remove_directories(tmp);
  llvm::SmallString<256> weights(tmp);
  llvm::sys::path::append(weights, weightsDir);
  if (std::error_code ec = llvm::sys::fs::create_directories(weights))
    return absl::InternalError(absl::StrCat(output, ": cannot create: ", ec.message()));
  llvm::sys::path::append(weights, "weight.bin");
  auto blob = MilBlobWriter::create(weights.str().str());
  if (!blob.ok())
    return blob.status();
  auto program = lowerToMilProgram(module, os, **blob);
  if (program.ok())
    if (absl::Status s = (*blob)->finish(); !s.ok())
      program = s;
  if (!program.ok()) {
    blob->reset();
    llvm::sys::fs::remove_directories(tmp);
  }
  return program;
}
