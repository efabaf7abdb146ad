//===- MilProgramImporter.cpp - MIL programs back into the mil dialect ----===//
//
// The inverse of lib/Export/MilLowering.cpp: MIL ops become mil ops of the
// same name, parameters bound to consts become attributes where the mil op
// has an attribute of that name, and operands otherwise.
//
//===----------------------------------------------------------------------===//
#include "lib/Import/MilProgramImporter.h"
#include "lib/Export/MilBlobWriter.h"
#include "lib/Import/SparseWeights.h"

#include "dialects/Mil/MilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

using namespace mlir;
using namespace anec;
using namespace anec::import;
using namespace anec::exporter;
using namespace anec::mil;

namespace {

class Raiser {
public:
  Raiser(MLIRContext *ctx, const MilBlobReader *weights, std::string source)
      : ctx(ctx), b(ctx), weights(weights), source(std::move(source)) {}

  absl::Status function(const MilFunction &fn, ModuleOp module);

private:
  absl::Status error(const std::string &where, const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", where, ": ", what));
  }
  absl::StatusOr<Type> type(const MilType &t, const std::string &where) {
    Type element = parseMilTypeName(ctx, t.dtype);
    if (!element)
      return error(where, absl::StrCat("unknown dtype '", t.dtype, "'"));
    for (int64_t d : t.shape)
      if (d < 1 || d > (int64_t(1) << 40))
        return error(where, absl::StrCat("dimension ", d, " is not a static positive size"));
    auto tensor = RankedTensorType::get(t.shape, element);
    if (t.isState)
      return Type(StateType::get(ctx, tensor));
    return Type(tensor);
  }
  absl::StatusOr<Attribute> attribute(const MilValue &v, const std::string &where);
  absl::StatusOr<ElementsAttr> elements(const MilValue &v, RankedTensorType type,
                                        const std::string &name);

  /// True when `param` of `op` is one the mil op does not model, bound to
  /// its default; an error when it holds anything else.
  absl::StatusOr<bool>
  defaultOnly(const MilOperation &op, const std::string &param,
              const std::vector<std::string> &names,
              const absl::flat_hash_map<std::string, const MilOperation *> &consts,
              const std::string &where) {
    const OpContract *contract = lookupContract(op.type, opset);
    const ParamContract *p = contract ? contract->param(param) : nullptr;
    if (!p || !p->notInDialect)
      return false;
    auto c = names.size() == 1 ? consts.find(names[0]) : consts.end();
    if (c == consts.end())
      return error(where, absl::StrCat("parameter '", param, "' must be a const"));
    const MilValue &v = c->second->val;
    bool isDefault = (v.kind == MilValue::Bools && v.bools.size() == 1 &&
                      v.bools[0] == (p->defaultValue == "true")) ||
                     (v.kind == MilValue::Ints && v.ints.size() == 1 &&
                      std::to_string(v.ints[0]) == p->defaultValue) ||
                     (v.kind == MilValue::Strings && v.strings.size() == 1 &&
                      v.strings[0] == p->defaultValue);
    if (!isDefault)
      return error(where, absl::StrCat("parameter '", param, "' other than its default (",
                                       p->defaultValue, ") is not supported"));
    return true;
  }

public:
  mil::Opset opset = kDefaultOpset;

private:
  MLIRContext *ctx;
  OpBuilder b;
  const MilBlobReader *weights;
  std::string source;
  // One resource per blob record, shared by every function that uses it.
  absl::flat_hash_map<uint64_t, DenseResourceElementsAttr> blobAttrs;
};

absl::StatusOr<Attribute> Raiser::attribute(const MilValue &v, const std::string &where) {
  bool vector = v.type.shape.size() == 1;
  if (v.type.shape.size() > 1 || v.kind == MilValue::Blob)
    return error(where, "a parameter that must be a compile-time scalar or list is a tensor");
  switch (v.kind) {
  case MilValue::Ints:
    if (vector)
      return Attribute(b.getDenseI64ArrayAttr(v.ints));
    if (v.ints.size() != 1)
      return error(where, "scalar without a value");
    return Attribute(b.getI64IntegerAttr(v.ints[0]));
  case MilValue::Bools: {
    if (vector) {
      SmallVector<bool> bools(v.bools.begin(), v.bools.end());
      return Attribute(DenseBoolArrayAttr::get(ctx, bools));
    }
    if (v.bools.size() != 1)
      return error(where, "scalar without a value");
    return Attribute(b.getBoolAttr(v.bools[0]));
  }
  case MilValue::Strings:
    if (v.strings.size() != 1 || vector)
      return error(where, "expects one string");
    return Attribute(b.getStringAttr(v.strings[0]));
  case MilValue::Floats:
    if (vector || v.floats.size() != 1)
      return error(where, "expects a float scalar");
    return Attribute(b.getF32FloatAttr((float)v.floats[0]));
  default:
    return error(where, "unsupported parameter value");
  }
}

absl::StatusOr<ElementsAttr> Raiser::elements(const MilValue &v, RankedTensorType type,
                                              const std::string &name) {
  Type element = type.getElementType();
  int64_t n = type.getNumElements();
  if (v.kind == MilValue::Blob) {
    if (!weights)
      return error(name, "refers to a weight file that is missing");
    auto it = blobAttrs.find(v.blobOffset);
    if (it != blobAttrs.end()) {
      if (it->second.getType() == type)
        return ElementsAttr(it->second);
      // One blob viewed with another shape (a weight and its 1x1-conv form):
      // the same data, so the element count and type must agree.
      auto seen = cast<RankedTensorType>(it->second.getType());
      if (seen.getElementType() != element || seen.getNumElements() != n)
        return error(name, "shares a weight blob with a constant of another type");
      return ElementsAttr(DenseResourceElementsAttr::get(type, it->second.getRawHandle()));
    }
    uint32_t code = exporter::milBlobDtype(element);
    if (!code)
      return error(name, "has a type a weight blob cannot hold");
    auto data = weights->blob(v.blobOffset, code, n, element.getIntOrFloatBitWidth());
    if (!data.ok())
      return data.status();
    std::shared_ptr<llvm::MemoryBuffer> keepAlive = weights->file();
    size_t align = std::max<size_t>(1, element.getIntOrFloatBitWidth() / 8);
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        *data, align, [keepAlive](void *, size_t, size_t) {});
    auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
    blobAttrs.emplace(v.blobOffset, attr);
    return ElementsAttr(attr);
  }
  auto count = [&](size_t got) -> absl::Status {
    if ((int64_t)got != n)
      return error(name, absl::StrCat("holds ", got, " values, its type needs ", n));
    return absl::OkStatus();
  };
  if (isa<FloatType>(element)) {
    if (v.kind != MilValue::Floats)
      return error(name, "float constant without float values");
    if (absl::Status s = count(v.floats.size()); !s.ok())
      return s;
    SmallVector<APFloat> values;
    for (double d : v.floats) {
      APFloat f(d);
      bool lost;
      f.convert(cast<FloatType>(element).getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      values.push_back(f);
    }
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  if (element.isInteger(1)) {
    if (v.kind != MilValue::Bools)
      return error(name, "bool constant without bool values");
    if (absl::Status s = count(v.bools.size()); !s.ok())
      return s;
    SmallVector<bool> values(v.bools.begin(), v.bools.end());
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  if (v.kind != MilValue::Ints)
    return error(name, "integer constant without integer values");
  if (absl::Status s = count(v.ints.size()); !s.ok())
    return s;
  SmallVector<APInt> values;
  unsigned bits = element.getIntOrFloatBitWidth();
  for (int64_t i : v.ints)
    values.push_back(APInt(bits, (uint64_t)i, /*isSigned=*/!element.isUnsignedInteger()));
  return ElementsAttr(DenseElementsAttr::get(type, values));
}

absl::Status Raiser::function(const MilFunction &fn, ModuleOp module) {
  std::string where = absl::StrCat("function '", fn.name, "'");
  absl::flat_hash_map<std::string, const MilOperation *> consts;
  absl::flat_hash_map<std::string, MilType> types;
  for (auto &[name, t] : fn.inputs)
    types[name] = t;
  for (const MilOperation &op : fn.operations) {
    if (op.hasVal)
      consts[op.outputs.empty() ? op.name : op.outputs[0].first] = &op;
    for (auto &[name, t] : op.outputs)
      types[name] = t;
  }
  // Which consts are only used as attribute parameters (not materialized).
  absl::flat_hash_set<std::string> asOperand;
  auto isAttributeParam = [&](const MilOperation &op, const std::string &param) {
    auto info = RegisteredOperationName::lookup("mil." + op.type, ctx);
    if (!info)
      return false;
    for (StringAttr a : info->getAttributeNames())
      if (a.getValue() == param)
        return true;
    return false;
  };
  // Parameters the mil op does not model (bound to their defaults, checked
  // where the op is raised) are not operands either.
  auto notInDialect = [&](const MilOperation &op, const std::string &param) {
    const OpContract *contract = lookupContract(op.type, opset);
    const ParamContract *p = contract ? contract->param(param) : nullptr;
    return p && p->notInDialect;
  };
  for (const MilOperation &op : fn.operations)
    for (auto &[param, names] : op.inputs)
      if (!isAttributeParam(op, param) && !notInDialect(op, param))
        for (const std::string &n : names)
          asOperand.insert(n);
  for (const std::string &o : fn.outputs)
    asOperand.insert(o);

  SmallVector<Type> inputTypes, resultTypes;
  for (auto &[name, t] : fn.inputs) {
    auto ty = type(t, absl::StrCat(where, ", input '", name, "'"));
    if (!ty.ok())
      return ty.status();
    inputTypes.push_back(*ty);
  }
  for (const std::string &o : fn.outputs) {
    auto it = types.find(o);
    if (it == types.end())
      return error(where, absl::StrCat("output '", o, "' is not defined"));
    auto ty = type(it->second, absl::StrCat(where, ", output '", o, "'"));
    if (!ty.ok())
      return ty.status();
    resultTypes.push_back(*ty);
  }
  b.setInsertionPointToEnd(module.getBody());
  auto func = b.create<func::FuncOp>(NameLoc::get(b.getStringAttr(fn.name)), fn.name,
                                     b.getFunctionType(inputTypes, resultTypes));
  Block *entry = func.addEntryBlock();
  absl::flat_hash_map<std::string, Value> values;
  for (auto [k, in] : llvm::enumerate(fn.inputs)) {
    values[in.first] = entry->getArgument(k);
    func.setArgAttr(k, in.second.isState ? "mil.state_name" : "mil.name",
                    b.getStringAttr(in.first));
  }
  for (auto [k, o] : llvm::enumerate(fn.outputs))
    func.setResultAttr(k, "mil.name", b.getStringAttr(o));
  b.setInsertionPointToStart(entry);

  for (size_t k = 0; k < fn.operations.size(); ++k) {
    const MilOperation &op = fn.operations[k];
    std::string opWhere = absl::StrCat(where, ", op '", op.name, "' (", op.type, ")");
    Location loc = NameLoc::get(b.getStringAttr(op.name));
    if (op.hasVal) {
      if (op.outputs.size() != 1)
        return error(opWhere, "a const has one output");
      const std::string &name = op.outputs[0].first;
      if (!asOperand.contains(name))
        continue; // folded into the op that uses it as an attribute
      auto ty = type(op.outputs[0].second, opWhere);
      if (!ty.ok())
        return ty.status();
      auto tensor = dyn_cast<RankedTensorType>(*ty);
      if (!tensor || op.val.type.dtype == "string")
        return error(opWhere, "a const used as a tensor must be a tensor");
      auto attr = elements(op.val, tensor, name);
      if (!attr.ok())
        return attr.status();
      values[name] = b.create<ConstOp>(NameLoc::get(b.getStringAttr(name)), *attr);
      continue;
    }
    if (op.type == "write_state") {
      // Core ML's state write: mil.coreml_update_state, whose result is what
      // a read_state of the same state right after it reads (coremltools
      // reads the pair back the same way).
      const std::vector<std::string> *input = nullptr, *data = nullptr;
      for (auto &[param, names] : op.inputs) {
        if (param == "input")
          input = &names;
        else if (param == "data")
          data = &names;
        else
          return error(opWhere, absl::StrCat("unknown parameter '", param, "'"));
      }
      if (!input || !data || input->size() != 1 || data->size() != 1 || !op.outputs.empty())
        return error(opWhere, "write_state takes one state `input` and one `data`, and has no "
                              "result");
      auto state = values.find((*input)[0]), value = values.find((*data)[0]);
      if (state == values.end() || value == values.end())
        return error(opWhere, "refers to a value not defined before it");
      if (!isa<StateType>(state->second.getType()) ||
          !isa<RankedTensorType>(value->second.getType()))
        return error(opWhere, "`input` must be a state and `data` a tensor");
      // Named as the read_state that gives its value (the writer names the
      // write after it, with a `_write_state` suffix).
      const MilOperation *read = nullptr;
      if (k + 1 < fn.operations.size()) {
        const MilOperation &next = fn.operations[k + 1];
        if (next.type == "read_state" && next.outputs.size() == 1 && next.inputs.size() == 1 &&
            next.inputs[0].first == "input" && next.inputs[0].second == *input)
          read = &next;
      }
      llvm::StringRef name(op.name);
      name.consume_back("_write_state");
      Location updateLoc = NameLoc::get(b.getStringAttr(read ? read->name : name.str()));
      Value updated = b.create<CoremlUpdateStateOp>(updateLoc, state->second, value->second);
      if (read) {
        values[read->outputs[0].first] = updated;
        ++k;
      }
      continue;
    }
    auto info = RegisteredOperationName::lookup("mil." + op.type, ctx);
    if (!info || op.type == "rms_norm")
      return error(opWhere, absl::StrCat("unknown MIL op '", op.type, "'"));
    OperationState state(loc, *info);
    // Operands in ODS order; attribute parameters from their consts.
    std::vector<std::string> order;
    if (auto *known = exporter::operandParamNames(op.type))
      order = *known;
    else
      order = {"x", "y"};
    absl::flat_hash_map<std::string, const std::vector<std::string> *> bound;
    for (auto &[param, names] : op.inputs)
      bound[param] = &names;
    SmallVector<int32_t> segments;
    for (const std::string &param : order) {
      auto it = bound.find(param);
      if (it == bound.end()) {
        segments.push_back(0);
        continue;
      }
      for (const std::string &n : *it->second) {
        auto v = values.find(n);
        if (v == values.end())
          return error(opWhere, absl::StrCat("parameter '", param, "' refers to '", n,
                                             "', which is not defined before it"));
        state.addOperands(v->second);
      }
      segments.push_back((int32_t)it->second->size());
      bound.erase(it);
    }
    for (auto &[param, names] : bound) {
      if (!isAttributeParam(op, param)) {
        // A parameter MIL has and mil does not model (gather's
        // validate_indices): accepted at its default, which is what the
        // writer writes back.
        if (absl::StatusOr<bool> dropped = defaultOnly(op, param, *names, consts, opWhere);
            !dropped.ok())
          return dropped.status();
        else if (*dropped)
          continue;
        return error(opWhere, absl::StrCat("unknown parameter '", param, "'"));
      }
      if (names->size() != 1)
        return error(opWhere, absl::StrCat("parameter '", param, "' takes one value"));
      auto c = consts.find((*names)[0]);
      if (c == consts.end())
        return error(opWhere, absl::StrCat("parameter '", param,
                                           "' must be a const, it is '", (*names)[0], "'"));
      auto attr = attribute(c->second->val, absl::StrCat(opWhere, ", parameter '", param, "'"));
      if (!attr.ok())
        return attr.status();
      // The dialect's float parameters are f32 attributes, whatever the
      // op's data type (an int32 pad's constant_val is written as int32).
      if (param == "constant_val" || param == "epsilon") {
        if (auto i = dyn_cast<IntegerAttr>(*attr))
          *attr = b.getF32FloatAttr((float)i.getInt());
        else if (!isa<FloatAttr>(*attr))
          return error(opWhere, absl::StrCat("parameter '", param, "' must be a number"));
      }
      state.addAttribute(param, *attr);
    }
    if (op.type == "layer_norm")
      state.addAttribute("operandSegmentSizes", b.getDenseI32ArrayAttr(segments));
    for (auto &[name, t] : op.outputs) {
      auto ty = type(t, opWhere);
      if (!ty.ok())
        return ty.status();
      state.addTypes(*ty);
    }
    // Parameters of the wrong kind (a float axis) are errors here: the
    // ops' type inference reads them before the verifier would.
    {
      std::string message;
      ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
        message = d.str();
        return success();
      });
      if (failed(state.name.verifyInherentAttrs(state.attributes, [&] {
            return mlir::emitError(state.location);
          })))
        return error(opWhere, message);
    }
    Operation *created = b.create(state);
    for (auto [k, out] : llvm::enumerate(op.outputs))
      values[out.first] = created->getResult(k);
  }
  SmallVector<Value> results;
  for (const std::string &o : fn.outputs) {
    auto v = values.find(o);
    if (v == values.end())
      return error(where, absl::StrCat("output '", o, "' is not defined"));
    results.push_back(v->second);
  }
  b.create<func::ReturnOp>(NameLoc::get(b.getStringAttr("return")), results);
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::import::importMilProgram(MLIRContext *ctx, const MilProgram &program,
                               const MilBlobReader *weights, const std::string &source) {
  ctx->loadDialect<MilDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(ctx));
  // The package's user-defined metadata, kept with the program (anec's
  // interface keys are re-derived when it is written again).
  if (!program.metadata.empty()) {
    Builder b(ctx);
    SmallVector<NamedAttribute> entries;
    for (const auto &[key, value] : program.metadata)
      if (!key.empty())
        entries.push_back(b.getNamedAttr(key, b.getStringAttr(value)));
    (*module)->setAttr("anec.interface", b.getDictionaryAttr(entries));
  }
  // The program is verified against the opset it was written for.
  (*module)->setAttr(kOpsetAttrName,
                     StringAttr::get(ctx, exporter::textOpset(program.os)));
  Raiser raiser(ctx, weights, source);
  raiser.opset = *parseOpset(exporter::textOpset(program.os));
  for (const MilFunction &fn : program.functions) {
    bool sparse = llvm::any_of(fn.operations, [](const MilOperation &op) {
      return op.type == "constexpr_sparse_to_dense";
    });
    if (!sparse) {
      if (absl::Status s = raiser.function(fn, *module); !s.ok())
        return s;
      continue;
    }
    // Pruned weights become dense constants (SparseWeights.h).
    MilFunction dense = fn;
    if (absl::Status s = densifySparseWeights(dense, weights, source); !s.ok())
      return s;
    if (absl::Status s = raiser.function(dense, *module); !s.ok())
      return s;
  }
  // The program must be valid mil: collect the verifier's messages.
  std::string messages;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      llvm::raw_string_ostream os(messages);
      os << "\n  " << d.getLocation() << ": " << d.str();
      return success();
    });
    if (failed(verify(*module)))
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": the program is not valid:", messages));
  }
  return module;
}

absl::StatusOr<OwningOpRef<ModuleOp>>
anec::import::importWithWeightsBeside(MLIRContext *ctx, const MilProgram &program,
                                      const std::string &modelPath) {
  llvm::SmallString<256> weightPath(modelPath);
  llvm::sys::path::remove_filename(weightPath);
  llvm::sys::path::append(weightPath, "weights", "weight.bin");
  std::optional<MilBlobReader> weights;
  if (llvm::sys::fs::exists(weightPath)) {
    auto r = MilBlobReader::open(weightPath.str().str());
    if (!r.ok())
      return r.status();
    weights = std::move(*r);
  }
  return importMilProgram(ctx, program, weights ? &*weights : nullptr, modelPath);
}
