//===- MilDialect.cpp - dialect registration, types, dtype names ----------===//
#include "dialects/Mil/MilDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace anec::mil;

#include "dialects/Mil/MilDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Mil/MilTypes.cpp.inc"

void MilDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Mil/MilOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Mil/MilTypes.cpp.inc"
      >();
}

LogicalResult MilDialect::verifyOperationAttribute(Operation *op, NamedAttribute attr) {
  if (attr.getName() != kOpsetAttrName)
    return success();
  auto name = dyn_cast<StringAttr>(attr.getValue());
  std::optional<Opset> os = name ? parseOpset(name.getValue()) : std::nullopt;
  if (!os || *os < Opset::iOS16)
    return op->emitOpError() << "'" << kOpsetAttrName
                             << "' must be \"ios16\", \"ios17\" or \"ios18\", got "
                             << attr.getValue();
  // A Core ML program's functions take and give fp16, fp32 or int32 tensors
  // (and states); coremltools casts anything else at the boundary.
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return success();
  for (Operation &child : op->getRegion(0).front()) {
    auto fn = dyn_cast<FunctionOpInterface>(&child);
    if (!fn || fn.isExternal())
      continue;
    auto check = [&](Type t, const char *what, unsigned index) -> LogicalResult {
      if (isa<StateType>(t))
        return success();
      auto tensor = dyn_cast<RankedTensorType>(t);
      Type e = tensor ? tensor.getElementType() : Type();
      if (e && (e.isF16() || e.isF32() || e.isSignlessInteger(32)))
        return success();
      return fn->emitOpError() << what << " " << index << " is "
                               << (e ? getMilTypeName(e) : StringRef("not a tensor"))
                               << ": Core ML model inputs and outputs are fp16, fp32 or int32"
                               << " (the module's " << kOpsetAttrName << " is "
                               << name.getValue() << ")";
    };
    for (auto [i, t] : llvm::enumerate(fn.getArgumentTypes()))
      if (failed(check(t, "input", i)))
        return failure();
    for (auto [i, t] : llvm::enumerate(fn.getResultTypes()))
      if (failed(check(t, "output", i)))
        return failure();
  }
  return success();
}

Operation *MilDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstOp>(loc, elements);
}

namespace {
struct MilTypeName {
  const char *name;
  bool isFloat;
  unsigned width;
  bool isUnsigned;
};
// MIL dtype names (coreml-format.md §4) and the builtin types standing for them.
constexpr MilTypeName kMilTypeNames[] = {
    {"fp16", true, 16, false},   {"fp32", true, 32, false},
    {"bool", false, 1, false},   {"int4", false, 4, false},
    {"int8", false, 8, false},   {"int16", false, 16, false},
    {"int32", false, 32, false}, {"int64", false, 64, false},
    {"uint1", false, 1, true},   {"uint2", false, 2, true},
    {"uint3", false, 3, true},   {"uint4", false, 4, true},
    {"uint6", false, 6, true},   {"uint8", false, 8, true},
    {"uint16", false, 16, true}, {"uint32", false, 32, true},
    {"uint64", false, 64, true},
};
} // namespace

StringRef anec::mil::getMilTypeName(Type type) {
  for (const MilTypeName &entry : kMilTypeNames) {
    if (entry.isFloat) {
      if (isa<FloatType>(type) && !type.isBF16() &&
          type.getIntOrFloatBitWidth() == entry.width)
        return entry.name;
      continue;
    }
    auto intType = dyn_cast<IntegerType>(type);
    if (!intType || intType.getWidth() != entry.width)
      continue;
    // Signless i1 is bool; other signless integers are MIL's signed ints.
    if (entry.isUnsigned ? intType.isUnsigned() : intType.isSignless())
      return entry.name;
  }
  return "";
}

Type anec::mil::parseMilTypeName(MLIRContext *ctx, StringRef name) {
  for (const MilTypeName &entry : kMilTypeNames) {
    if (name != entry.name)
      continue;
    if (entry.isFloat)
      return entry.width == 16 ? Type(Float16Type::get(ctx))
                               : Type(Float32Type::get(ctx));
    return IntegerType::get(ctx, entry.width,
                            entry.isUnsigned ? IntegerType::Unsigned
                                             : IntegerType::Signless);
  }
  return nullptr;
}

FailureOr<SmallVector<int64_t>>
anec::mil::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return out;
}

FailureOr<int64_t> anec::mil::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}
