//===- MilContracts.cpp - the MIL contract table and its checker ------------===//
//
// The table below is the facts of coremltools' op definitions
// (coremltools/converters/mil/mil/ops/defs/iOS15..iOS18, revision e0e2f42):
// test/dialects/mil/contracts-coremltools.test compares it with the
// definitions coremltools registers, parameter by parameter.
//
// A row: op, the first opset of this definition, its parameters, the type
// domains of its type variables, and notes. A parameter is written
//
//   [~][@]name[?][!]:TYPE[{v1|v2}][=default]
//
//   @        an attribute of the mil op (a `const` input once serialized);
//            without it, an operand
//   ~        coremltools has it, the mil op does not: the writer writes its
//            default
//   ?        optional                !  must be const at compile time
//   TYPE     a type variable (T, U, ...; defined in the domains column), a
//            dtype list (fp16|fp32), `any`, `tuple<T>` or `state<fp16>`
//   {..}     the strings the parameter may hold
//   =        the default coremltools writes when it is absent
//
// Operands are listed in the mil op's operand order.
//
//===----------------------------------------------------------------------===//
#include "dialects/Mil/MilContracts.h"
#include "dialects/Mil/MilDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace anec::mil;

namespace {

struct Row {
  const char *op;
  Opset since;
  const char *params;
  const char *domains;
  const char *note = "";
  OpContract::Kind kind = OpContract::Mil;
  const char *serializedAs = "";
};

using O = Opset;
constexpr auto FrontEnd = OpContract::FrontEnd;
constexpr auto Compiler = OpContract::Compiler;

#define FLOAT_UNARY(name) {name, O::iOS15, "x:T", "T=fp16|fp32"}
#define BINARY(name) {name, O::iOS15, "x:T y:T", "T=fp16|fp32|int32"}
#define REDUCE(name)                                                                    \
  {name, O::iOS15, "x:T @axes?!:int32 @keep_dims?!:bool=false", "T=fp16|fp32|int32"}

// The iOS17 widening of the shape ops' data types.
#define T17 "T=bool|fp16|fp32|int8|int16|int32|uint8|uint16"

const Row kRows[] = {
    {"const", O::iOS15, "@val!:any", "",
     "bf16 values are checkpoint storage: a bf16 const feeds casts only and is written as the "
     "cast's dtype"},

    // Element-wise.
    FLOAT_UNARY("sqrt"), FLOAT_UNARY("exp"), FLOAT_UNARY("tanh"), FLOAT_UNARY("erf"),
    FLOAT_UNARY("sigmoid"), FLOAT_UNARY("silu"), FLOAT_UNARY("relu"), FLOAT_UNARY("sin"),
    FLOAT_UNARY("cos"),
    {"square", O::iOS15, "x:T", "T=fp16|fp32|int32"},
    {"abs", O::iOS15, "x:T", "T=fp16|fp32|int32"},
    {"rsqrt", O::iOS15, "x:T @epsilon?!:T=1e-12", "T=fp16|fp32"},
    {"rsqrt", O::iOS17, "x:T @epsilon?!:U=1e-12", "T=fp16|fp32 U=fp16|fp32"},
    {"gelu", O::iOS15,
     "x:T @mode?!:string{EXACT|TANH_APPROXIMATION|SIGMOID_APPROXIMATION}=EXACT", "T=fp16|fp32"},
    BINARY("add"), BINARY("sub"), BINARY("mul"), BINARY("real_div"), BINARY("pow"),
    BINARY("maximum"), BINARY("minimum"),

    // Reductions.
    REDUCE("reduce_mean"), REDUCE("reduce_sum"), REDUCE("reduce_max"), REDUCE("reduce_min"),
    REDUCE("reduce_sum_square"),

    // Linear algebra and normalisation.
    {"linear", O::iOS15, "x:T weight!:T bias?!:T", "T=fp16|fp32|int32",
     "coremltools writes a zero bias when none is given; anec leaves it out"},
    {"linear", O::iOS17, "x:T weight!:U bias?!:U", "T=fp16|fp32|int32 U=fp16|fp32|int32",
     "coremltools writes a zero bias when none is given; anec leaves it out"},
    {"matmul", O::iOS15, "x:T y:T @transpose_x?!:bool=false @transpose_y?!:bool=false",
     "T=fp16|fp32|int32"},
    {"matmul", O::iOS17, "x:T y:U @transpose_x?!:bool=false @transpose_y?!:bool=false",
     "T=fp16|fp32|int32 U=fp16|fp32|int32"},
    {"conv", O::iOS15,
     "x:T weight:T bias?!:T @strides?!:int32 @pad_type?!:string{valid|same|custom|same_lower}="
     "valid @pad?!:int32 @dilations?!:int32 @groups?!:int32=1",
     "T=fp16|fp32"},
    {"conv", O::iOS17,
     "x:T weight:U bias?:U @strides?!:int32 @pad_type?!:string{valid|same|custom|same_lower}="
     "valid @pad?!:int32 @dilations?!:int32 @groups?!:int32=1",
     "T=fp16|fp32 U=fp16|fp32"},
    {"layer_norm", O::iOS15, "x:T gamma?!:T beta?!:T @axes?!:int32 @epsilon?!:T=1e-5",
     "T=fp16|fp32"},
    {"layer_norm", O::iOS17, "x:T gamma?!:U beta?!:U @axes?!:int32 @epsilon?!:U=1e-5",
     "T=fp16|fp32 U=fp16|fp32"},
    {"rms_norm", O::iOS15, "x:T gamma?:T @axes:int32 @epsilon?:T", "T=fp16|fp32",
     "front-end op: anec-rms-norm-to-layer-norm rewrites it into layer_norm", FrontEnd},
    {"softmax", O::iOS15, "x:T @axis?!:int32=-1", "T=fp16|fp32"},
    {"scaled_dot_product_attention", O::iOS18, "query:T key:T value:T attn_mask?:M",
     "T=fp16|fp32 M=bool|fp16|fp32"},

    // Data movement.
    {"gather", O::iOS15, "x:T indices:int32 @axis?!:int32=0", "T=fp16|fp32|int32"},
    {"gather", O::iOS16, "x:T indices:I @axis?!:int32=0 @batch_dims?!:int32=0",
     "T=fp16|fp32|int32 I=int16|int32|uint16"},
    {"gather", O::iOS17,
     "x:T indices:I @axis?!:int32=0 @batch_dims?!:int32=0 ~@validate_indices?!:bool=false",
     "T=fp16|fp32|int8|int16|int32|uint8|uint16 I=int8|int16|int32|uint8|uint16"},
    {"concat", O::iOS15, "values:tuple<T> @axis!:int32 @interleave?!:bool=false", "T=any",
     "every value has one dtype"},
    {"split", O::iOS15, "x:T @num_splits?!:int32 @split_sizes?!:int32 @axis!:int32",
     "T=bool|fp16|fp32|int32"},
    {"topk", O::iOS15, "x:T @k?!:int32=1 @axis?!:int32=-1 @ascending?!:bool=false",
     "T=fp16|fp32|int32"},
    {"topk", O::iOS16,
     "x:T @k?!:int32=1 @axis?!:int32=-1 @ascending?!:bool=false ~@sort?!:bool=true "
     "~@return_indices?!:bool=true",
     "T=fp16|fp32|int32"},
    {"topk", O::iOS17,
     "x:T @k?!:K=1 @axis?!:int32=-1 @ascending?!:bool=false ~@sort?!:bool=true "
     "~@return_indices?!:bool=true ~@output_indices_dtype?!:string{int32|uint16}=int32",
     "T=fp16|fp32|int8|int16|int32|uint8|uint16 K=int8|int16|int32"},
    {"slice_by_index", O::iOS15,
     "x:T @begin:int32 @end:int32 @stride?!:int32 @begin_mask?!:bool @end_mask?!:bool "
     "@squeeze_mask?!:bool",
     "T=bool|fp16|fp32|int32"},
    {"slice_by_index", O::iOS17,
     "x:T @begin:U @end:U @stride?!:U @begin_mask?!:bool @end_mask?!:bool @squeeze_mask?!:bool",
     T17 " U=int8|int16|int32"},
    {"slice_by_size", O::iOS15, "x:T @begin:int32 @size:int32", "T=bool|fp16|fp32|int32"},
    {"slice_by_size", O::iOS17, "x:T @begin:U @size:U", T17 " U=int8|int16|int32"},
    {"reshape", O::iOS15, "x:T @shape:int32", "T=bool|fp16|fp32|int32"},
    {"reshape", O::iOS17, "x:T @shape:U", T17 " U=int8|int16|int32"},
    {"transpose", O::iOS15, "x:T @perm!:int32", "T=bool|fp16|fp32|int32"},
    {"transpose", O::iOS17, "x:T @perm!:int32", T17},
    {"expand_dims", O::iOS15, "x:T @axes!:int32", "T=bool|fp16|fp32|int32"},
    {"expand_dims", O::iOS17, "x:T @axes!:int32", T17},
    {"squeeze", O::iOS15, "x:T @axes?!:int32", "T=bool|fp16|fp32|int32"},
    {"squeeze", O::iOS17, "x:T @axes?!:int32", T17},
    {"tile", O::iOS15, "x:T @reps:int32", "T=bool|fp16|fp32|int32"},
    {"pad", O::iOS15,
     "x:T @pad:int32 @mode?!:string{constant|reflect|replicate}=constant @constant_val?!:T=0",
     "T=fp16|fp32"},
    {"band_part", O::iOS15, "x:T @lower?!:int32=-1 @upper?!:int32=-1",
     "T=bool|fp16|fp32|int32"},
    {"cast", O::iOS15, "x:T @dtype!:string{int32|fp16|fp32|bool}", "T=bool|fp16|fp32|int32",
     "a cast of a bf16 const is written as a const of the cast's dtype"},
    {"cast", O::iOS17,
     "x:T @dtype!:string{int8|uint8|int16|uint16|int32|fp16|fp32|bool}", T17,
     "a cast of a bf16 const is written as a const of the cast's dtype"},

    // Compressed weights.
    {"constexpr_affine_dequantize", O::iOS16,
     "quantized_data!:SrcT zero_point!:ZeroPointT scale!:DstT @axis!:int32",
     "SrcT=int8|uint8 ZeroPointT=int8|uint8|fp32 DstT=fp16|fp32"},
    {"constexpr_lut_to_dense", O::iOS16, "indices!:uint8 lut!:T @shape!:uint32",
     "T=int8|uint8|fp16|fp32", "indices: nbits-wide indices packed LSB-first"},
    {"constexpr_lut_to_dense", O::iOS18, "indices!:IndicesT lut!:T @vector_axis?!:int32",
     "IndicesT=uint1|uint2|uint3|uint4|uint6|uint8 T=int8|uint8|fp16|fp32",
     "indices shaped as the output; lut [groups..., 2^nbits, vector_size]"},
    {"constexpr_blockwise_shift_scale", O::iOS18, "data!:SrcT scale!:DstT offset?!:OffsetT",
     "SrcT=int4|uint4|int8|uint8|fp16|fp32 DstT=fp16|fp32 "
     "OffsetT=int4|uint4|int8|uint8|fp16|fp32"},
    {"constexpr_cast", O::iOS16, "source_val!:fp16 @output_dtype!:string{fp32}", ""},
    {"quantize", O::iOS17,
     "input:SrcT scale!:SrcT zero_point?!:DstT @axis?!:int32 @output_dtype!:string{uint8|int8}",
     "SrcT=fp16|fp32 DstT=uint8|int8"},
    {"dequantize", O::iOS17, "input:SrcT scale!:DstT zero_point?!:SrcT @axis?!:int32",
     "SrcT=uint8|int8 DstT=fp16|fp32"},

    // States.
    {"read_state", O::iOS18, "input:state<fp16>", "", "Core ML states hold fp16 only"},
    {"coreml_update_state", O::iOS18, "state:state<fp16> value:T", "T=fp16",
     "coremltools' own op for a state write: it serializes it as write_state(input, data) "
     "followed by read_state(input), and reads that pair back as it",
     OpContract::Mil, "write_state+read_state"},
    {"slice_update", O::iOS18,
     "x:T update:T begin:U end:U @stride?!:U @begin_mask?!:bool @end_mask?!:bool "
     "@squeeze_mask?!:bool",
     T17 " U=int8|int16|int32"},

    // Compiler ops.
    {"segment", O::iOS15, "", "", "anec-outline-segments' unit of dispatch; inlined before export",
     Compiler},
    {"yield", O::iOS15, "", "", "the terminator of a segment", Compiler},
};

#undef FLOAT_UNARY
#undef BINARY
#undef REDUCE
#undef T17

// MIL's dtypes; bf16 is anec's checkpoint storage (see `const`).
constexpr const char *kDtypeNames[] = {
    "fp16",  "fp32",  "bool",   "int4",   "int8",   "int16",  "int32", "int64",
    "uint1", "uint2", "uint3",  "uint4",  "uint6",  "uint8",  "uint16", "uint32",
    "uint64", "string", "bf16",
};
constexpr uint32_t kAnyDtype = (1u << std::size(kDtypeNames)) - 1;

[[noreturn]] void tableError(const Row &row, llvm::StringRef what) {
  llvm::report_fatal_error(llvm::Twine("MIL contract table, op '") + row.op + "': " + what);
}

uint32_t parseDtypeList(const Row &row, llvm::StringRef list) {
  if (list == "any")
    return kAnyDtype;
  uint32_t mask = 0;
  llvm::SmallVector<llvm::StringRef> names;
  list.split(names, '|');
  for (llvm::StringRef n : names) {
    uint32_t bit = milDtypeBit(n);
    if (!bit)
      tableError(row, ("unknown dtype '" + n + "'").str());
    mask |= bit;
  }
  return mask;
}

OpContract parseRow(const Row &row) {
  OpContract c;
  c.op = row.op;
  c.since = row.since;
  c.kind = row.kind;
  c.note = row.note;
  c.serializedAs = row.serializedAs;
  llvm::StringMap<uint32_t> domains;
  llvm::SmallVector<llvm::StringRef> tokens;
  llvm::StringRef(row.domains).split(tokens, ' ', -1, false);
  for (llvm::StringRef t : tokens) {
    auto [var, list] = t.split('=');
    domains[var] = parseDtypeList(row, list);
  }
  tokens.clear();
  llvm::StringRef(row.params).split(tokens, ' ', -1, false);
  for (llvm::StringRef t : tokens) {
    ParamContract p;
    if (t.consume_front("~"))
      p.notInDialect = true;
    if (t.consume_front("@"))
      p.attribute = true;
    auto [head, rest] = t.split(':');
    if (head.consume_back("!"))
      p.constant = true;
    if (head.consume_back("?"))
      p.optional = true;
    p.name = head.str();
    auto [typeAndValues, def] = rest.split('=');
    p.defaultValue = def.str();
    auto [type, values] = typeAndValues.split('{');
    if (!values.empty()) {
      llvm::SmallVector<llvm::StringRef> vs;
      values.drop_back().split(vs, '|');
      for (llvm::StringRef v : vs)
        p.values.push_back(v.str());
    }
    if (type.consume_front("tuple<")) {
      p.form = ParamContract::Tuple;
      type = type.drop_back();
    } else if (type.consume_front("state<")) {
      p.form = ParamContract::State;
      type = type.drop_back();
    }
    if (!type.empty() && isupper((unsigned char)type[0])) {
      auto it = domains.find(type);
      if (it == domains.end())
        tableError(row, ("type variable '" + type + "' has no domain").str());
      p.var = type.str();
      p.dtypes = it->second;
    } else {
      p.dtypes = parseDtypeList(row, type);
    }
    c.params.push_back(std::move(p));
  }
  return c;
}

struct Table {
  std::vector<OpContract> contracts;
  // Each op's definitions, oldest first.
  llvm::StringMap<llvm::SmallVector<unsigned, 2>> byOp;
};

const Table &table() {
  static const Table t = [] {
    Table t;
    for (const Row &row : kRows) {
      t.byOp[row.op].push_back(t.contracts.size());
      t.contracts.push_back(parseRow(row));
    }
    return t;
  }();
  return t;
}

/// MIL's dtype name of an element type; "bf16" for bf16.
std::string dtypeOf(Type t) {
  if (auto state = dyn_cast<StateType>(t))
    t = state.getWrappedType();
  if (auto shaped = dyn_cast<ShapedType>(t))
    t = shaped.getElementType();
  if (t.isBF16())
    return "bf16";
  return getMilTypeName(t).str();
}

class Checker {
public:
  Checker(Operation *op, const OpContract &c, Opset os) : op(op), c(c), os(os) {}
  LogicalResult run();

private:
  InFlightDiagnostic error(const ParamContract &p) {
    return op->emitOpError() << "input '" << p.name << "' ";
  }
  std::string ruleSuffix() const {
    return fmt::format(" in the {} opset", opsetName(os).str());
  }
  LogicalResult checkDtype(const ParamContract &p, Value v);
  LogicalResult checkAttribute(const ParamContract &p, Attribute a);
  LogicalResult bindVar(const ParamContract &p, const std::string &dtype);

  Operation *op;
  const OpContract &c;
  Opset os;
  // Type variable -> (dtype, the parameter that set it).
  llvm::StringMap<std::pair<std::string, std::string>> vars;
};

LogicalResult Checker::bindVar(const ParamContract &p, const std::string &dtype) {
  if (p.var.empty())
    return success();
  auto [it, inserted] = vars.try_emplace(p.var, dtype, p.name);
  if (inserted || it->second.first == dtype)
    return success();
  return error(p) << "is " << dtype << " but must have the dtype of '" << it->second.second
                  << "' (" << it->second.first << "): both are of type domain " << p.var
                  << ruleSuffix();
}

LogicalResult Checker::checkDtype(const ParamContract &p, Value v) {
  std::string dtype = dtypeOf(v.getType());
  bool isState = isa<StateType>(v.getType());
  if (isState != (p.form == ParamContract::State))
    return error(p) << (isState ? "is a state, but takes a tensor"
                                : "is a tensor, but takes a state");
  uint32_t bit = milDtypeBit(dtype);
  // A bf16 const is checkpoint storage, written as the dtype it is cast to.
  bool storage = dtype == "bf16" && c.op == "cast" && v.getDefiningOp<ConstOp>();
  if (!storage && !(p.dtypes & bit))
    return error(p) << "is " << (dtype.empty() ? "of a type MIL lacks" : dtype) << ", but "
                    << c.op << " takes " << describeDtypes(p.dtypes)
                    << (p.var.empty() ? "" : " (type domain " + p.var + ")") << ruleSuffix();
  if (storage)
    return success();
  return bindVar(p, dtype);
}

LogicalResult Checker::checkAttribute(const ParamContract &p, Attribute a) {
  if (p.dtypes == kAnyDtype) {
    // A const's value: a MIL dtype, or bf16 checkpoint storage.
    auto elements = dyn_cast<ElementsAttr>(a);
    if (elements && dtypeOf(elements.getType()).empty())
      return error(p) << "holds " << elements.getElementType() << ", which MIL has no dtype for";
    return success();
  }
  uint32_t ints = milDtypeBit("int8") | milDtypeBit("int16") | milDtypeBit("int32") |
                  milDtypeBit("uint32");
  uint32_t floats = milDtypeBit("fp16") | milDtypeBit("fp32");
  if (p.dtypes == milDtypeBit("string")) {
    auto s = dyn_cast<StringAttr>(a);
    if (!s)
      return error(p) << "must be a string";
    if (!p.values.empty() && !llvm::is_contained(p.values, s.getValue().str())) {
      std::string allowed;
      for (const std::string &v : p.values)
        allowed += (allowed.empty() ? "" : ", ") + v;
      return error(p) << "is '" << s.getValue() << "', but " << c.op << " takes one of "
                      << allowed << ruleSuffix();
    }
    return success();
  }
  if (p.dtypes == milDtypeBit("bool")) {
    if (!isa<BoolAttr, DenseBoolArrayAttr>(a))
      return error(p) << "must be a bool or a list of bools";
    return success();
  }
  if (p.dtypes & ints) {
    llvm::SmallVector<int64_t> values;
    if (auto i = dyn_cast<IntegerAttr>(a))
      values.push_back(i.getValue().getSExtValue());
    else if (auto arr = dyn_cast<DenseI64ArrayAttr>(a))
      values.assign(arr.asArrayRef().begin(), arr.asArrayRef().end());
    else
      return error(p) << "must be an integer or a list of integers";
    bool u32 = !(p.dtypes & milDtypeBit("int32"));
    for (int64_t v : values) {
      bool fits = u32 ? v >= 0 && v <= std::numeric_limits<uint32_t>::max()
                      : v >= std::numeric_limits<int32_t>::min() &&
                            v <= std::numeric_limits<int32_t>::max();
      if (!fits)
        return error(p) << "holds " << v << ", which is not a " << (u32 ? "uint32" : "int32")
                        << " (its serialized dtype)";
    }
    return success();
  }
  if (p.dtypes & floats) {
    auto f = dyn_cast<FloatAttr>(a);
    if (!f)
      return error(p) << "must be a float";
    if (!std::isfinite(f.getValueAsDouble()))
      return error(p) << "is not finite";
    return success();
  }
  return success();
}

LogicalResult Checker::run() {
  // Operands, in the mil op's operand order.
  llvm::SmallVector<const ParamContract *> operandParams;
  for (const ParamContract &p : c.params)
    if (!p.attribute && !p.notInDialect)
      operandParams.push_back(&p);
  llvm::SmallVector<std::pair<const ParamContract *, ValueRange>> bound;
  if (auto segments = op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes")) {
    if ((size_t)segments.size() != operandParams.size())
      return op->emitOpError("has operand groups its MIL contract does not name");
    unsigned start = 0;
    for (auto [p, n] : llvm::zip(operandParams, segments.asArrayRef())) {
      bound.push_back({p, op->getOperands().slice(start, n)});
      start += n;
    }
  } else if (operandParams.size() == 1 && operandParams[0]->form == ParamContract::Tuple) {
    bound.push_back({operandParams[0], op->getOperands()});
  } else {
    if (op->getNumOperands() > operandParams.size())
      return op->emitOpError() << "has " << op->getNumOperands() << " operands, but " << c.op
                               << " takes " << operandParams.size() << ruleSuffix();
    for (auto [i, p] : llvm::enumerate(operandParams))
      bound.push_back(
          {p, i < op->getNumOperands() ? op->getOperands().slice(i, 1) : ValueRange()});
  }
  for (auto &[p, values] : bound) {
    if (values.empty()) {
      if (!p->optional)
        return error(*p) << "is required by " << c.op << ruleSuffix();
      continue;
    }
    for (Value v : values) {
      if (failed(checkDtype(*p, v)))
        return failure();
      if (p->constant && !isCompileTimeConstant(v))
        return error(*p) << "must be const at compile time (made of constants only)"
                         << ruleSuffix();
    }
  }
  // Attributes: every one a parameter of this opset's definition.
  for (NamedAttribute a : op->getAttrs()) {
    llvm::StringRef name = a.getName().strref();
    if (name == "operandSegmentSizes" || name.contains('.'))
      continue;
    const ParamContract *p = c.param(name);
    if (!p || !p->attribute || p->notInDialect)
      return op->emitOpError() << "has parameter '" << name << "', which " << c.op
                               << " does not take" << ruleSuffix();
    if (failed(checkAttribute(*p, a.getValue())))
      return failure();
  }
  for (const ParamContract &p : c.params)
    if (p.attribute && !p.optional && !p.notInDialect && !op->getAttr(p.name))
      return error(p) << "is required by " << c.op << ruleSuffix();
  return success();
}

} // namespace

llvm::StringRef anec::mil::opsetName(Opset os) {
  switch (os) {
  case Opset::iOS15: return "ios15";
  case Opset::iOS16: return "ios16";
  case Opset::iOS17: return "ios17";
  case Opset::iOS18: return "ios18";
  }
  return "ios18";
}

std::optional<Opset> anec::mil::parseOpset(llvm::StringRef name) {
  for (Opset os : {Opset::iOS15, Opset::iOS16, Opset::iOS17, Opset::iOS18})
    if (name == opsetName(os))
      return os;
  return std::nullopt;
}

Opset anec::mil::targetOpset(Operation *op) {
  for (Operation *p = op; p; p = p->getParentOp())
    if (auto s = p->getAttrOfType<StringAttr>(kOpsetAttrName))
      if (std::optional<Opset> os = parseOpset(s.getValue()))
        return *os;
  return kDefaultOpset;
}

llvm::ArrayRef<const char *> anec::mil::milDtypeNames() { return kDtypeNames; }

uint32_t anec::mil::milDtypeBit(llvm::StringRef name) {
  for (auto [i, n] : llvm::enumerate(kDtypeNames))
    if (name == n)
      return 1u << i;
  return 0;
}

std::string anec::mil::describeDtypes(uint32_t mask) {
  if (mask == kAnyDtype)
    return "any dtype";
  llvm::SmallVector<std::string> names;
  for (auto [i, n] : llvm::enumerate(kDtypeNames))
    if (mask & (1u << i))
      names.push_back(n);
  std::string out;
  for (auto [i, n] : llvm::enumerate(names))
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + n;
  return out;
}

const ParamContract *OpContract::param(llvm::StringRef name) const {
  for (const ParamContract &p : params)
    if (p.name == name)
      return &p;
  return nullptr;
}

llvm::ArrayRef<OpContract> anec::mil::allContracts() { return table().contracts; }

const OpContract *anec::mil::lookupContract(llvm::StringRef op, Opset os) {
  const Table &t = table();
  auto it = t.byOp.find(op);
  if (it == t.byOp.end())
    return nullptr;
  const OpContract *found = nullptr;
  for (unsigned i : it->second)
    if (t.contracts[i].since <= os)
      found = &t.contracts[i];
  return found;
}

const OpContract *anec::mil::firstContract(llvm::StringRef op) {
  const Table &t = table();
  auto it = t.byOp.find(op);
  return it == t.byOp.end() ? nullptr : &t.contracts[it->second.front()];
}

bool anec::mil::isCompileTimeConstant(Value v) {
  // Weights are short chains (a const, a cast, a slice, a constexpr), so the
  // walk is bounded: past the budget a value is not taken as a constant.
  constexpr unsigned kBudget = 4096;
  llvm::SmallVector<Value, 8> work{v};
  llvm::DenseSet<Value> seen{v};
  unsigned visited = 0;
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    Operation *def = cur.getDefiningOp();
    if (!def || ++visited > kBudget)
      return false;
    if (isa<ConstOp>(def) || def->getName().stripDialect().starts_with("constexpr_"))
      continue;
    if (def->getNumRegions() || !isa<MilDialect>(def->getDialect()) || isa<ReadStateOp>(def) ||
        isa<CoremlUpdateStateOp>(def) || def->getNumOperands() == 0)
      return false;
    for (Value in : def->getOperands())
      if (seen.insert(in).second)
        work.push_back(in);
  }
  return true;
}

LogicalResult anec::mil::verifyInOpset(ModuleOp module, Opset os, std::string &messages) {
  module->setAttr(kOpsetAttrName, StringAttr::get(module.getContext(), opsetName(os)));
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    std::string text;
    llvm::raw_string_ostream(text) << d.getLocation() << ": " << d.str();
    messages += (messages.empty() ? "" : "; ") + text;
    return success();
  });
  return verify(module);
}

LogicalResult anec::mil::verifyContract(Operation *op) {
  llvm::StringRef name = op->getName().stripDialect();
  Opset os = targetOpset(op);
  const OpContract *c = lookupContract(name, os);
  if (!c) {
    const OpContract *first = firstContract(name);
    if (!first)
      return op->emitOpError("has no MIL contract (dialects/Mil/MilContracts.cpp)");
    return op->emitOpError() << "is not in the " << opsetName(os) << " opset: MIL has it from "
                             << opsetName(first->since) << " (the module's " << kOpsetAttrName
                             << ")";
  }
  if (c->kind != OpContract::Mil)
    return success();
  return Checker(op, *c, os).run();
}

//===----------------------------------------------------------------------===//
// Rendering
//===----------------------------------------------------------------------===//

namespace {

std::string paramText(const ParamContract &p) {
  std::string type = p.var.empty() ? describeDtypes(p.dtypes) : p.var;
  if (p.form == ParamContract::Tuple)
    type = "tuple of " + type;
  if (p.form == ParamContract::State)
    type = "state of " + type;
  std::string out = fmt::format("`{}`{}{}: {}", p.name, p.optional ? "?" : "",
                                p.constant ? " const" : "", type);
  if (!p.values.empty()) {
    std::string vs;
    for (const std::string &v : p.values)
      vs += (vs.empty() ? "" : "|") + v;
    out += " {" + vs + "}";
  }
  if (!p.defaultValue.empty())
    out += " = " + p.defaultValue;
  if (p.notInDialect)
    out += " (not in mil: written as its default)";
  else if (p.attribute)
    out += " (mil attribute)";
  return out;
}

} // namespace

std::string anec::mil::renderContractsMarkdown() {
  std::string out =
      "# MIL op contracts\n\n"
      "Generated from `dialects/Mil/MilContracts.cpp` by `anec-translate "
      "--print-mil-contracts=markdown`; do not edit by hand (the test suite checks that this "
      "file is the table's current rendering).\n\n"
      "Each op's definition applies from its opset until a newer one replaces it. A "
      "parameter is an operand of the mil op unless marked as a mil attribute; every "
      "attribute is a `const` input of the serialized op. `?` marks an optional parameter, "
      "`const` one that Core ML requires to be made of constants only; type variables "
      "(T, U, ...) stand for one dtype shared by every parameter that names them. A program "
      "that breaks a rule of its module's `mil.opset` (default ios18) does not verify.\n\n"
      "| op | from | parameters | type domains | notes |\n|---|---|---|---|---|\n";
  for (const OpContract &c : allContracts()) {
    std::string params, domains;
    llvm::StringMap<bool> shown;
    for (const ParamContract &p : c.params) {
      params += (params.empty() ? "" : "<br>") + paramText(p);
      if (!p.var.empty() && !shown[p.var]) {
        shown[p.var] = true;
        domains += fmt::format("{}{}: {}", domains.empty() ? "" : "<br>", p.var,
                               describeDtypes(p.dtypes));
      }
    }
    std::string note = c.note;
    if (c.kind == OpContract::FrontEnd)
      note = "front end (not written): " + note;
    else if (c.kind == OpContract::Compiler)
      note = "compiler op (not written): " + note;
    if (!c.serializedAs.empty())
      note = fmt::format("serialized as {}; {}", c.serializedAs, note);
    fmt::format_to(std::back_inserter(out), "| `{}` | {} | {} | {} | {} |\n", c.op,
                   opsetName(c.since).str(), params.empty() ? "—" : params,
                   domains.empty() ? "—" : domains, note);
  }
  return out;
}

std::string anec::mil::renderContractsJson() {
  llvm::json::Array ops;
  for (const OpContract &c : allContracts()) {
    llvm::json::Array params;
    for (const ParamContract &p : c.params) {
      llvm::json::Array dtypes, values;
      for (auto [i, n] : llvm::enumerate(kDtypeNames))
        if (p.dtypes & (1u << i))
          dtypes.push_back(n);
      for (const std::string &v : p.values)
        values.push_back(v);
      params.push_back(llvm::json::Object{
          {"name", p.name},
          {"attribute", p.attribute},
          {"optional", p.optional},
          {"const", p.constant},
          {"in_dialect", !p.notInDialect},
          {"form", p.form == ParamContract::Tuple   ? "tuple"
                   : p.form == ParamContract::State ? "state"
                                                    : "tensor"},
          {"var", p.var},
          {"any", p.dtypes == kAnyDtype},
          {"dtypes", std::move(dtypes)},
          {"values", std::move(values)},
          {"default", p.defaultValue}});
    }
    ops.push_back(llvm::json::Object{
        {"op", c.op},
        {"since", opsetName(c.since)},
        {"kind", c.kind == OpContract::Mil        ? "mil"
                 : c.kind == OpContract::FrontEnd ? "front_end"
                                                  : "compiler"},
        {"serialized_as", c.serializedAs},
        {"params", std::move(params)}});
  }
  return llvm::formatv("{0:1}", llvm::json::Value(std::move(ops))).str() + "\n";
}
