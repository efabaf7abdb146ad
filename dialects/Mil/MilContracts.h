//===- MilContracts.h - what Core ML's MIL accepts of each op, per opset ---===//
//
// One table (MilContracts.cpp) states, for every `mil` op and every opset
// from iOS15 to iOS18, what coremltools' definition of the op declares: its
// parameter names, which are required, which must be constant at compile
// time, their type domains (and which parameters share one), the strings a
// string parameter may hold, the defaults coremltools writes, and how the op
// is serialized. The verifier (every mil op's MilContract trait), the MIL
// writer (parameter names, the dtypes of attribute constants, defaults,
// serialized forms) and docs/MIL-CONTRACTS.md are all read from it.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_DIALECTS_MIL_MILCONTRACTS_H
#define ANEC_DIALECTS_MIL_MILCONTRACTS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace anec::mil {

/// MIL opsets, as coremltools names its deployment targets.
enum class Opset : uint8_t { iOS15, iOS16, iOS17, iOS18 };

/// `ios16` for Opset::iOS16, and back.
llvm::StringRef opsetName(Opset os);
std::optional<Opset> parseOpset(llvm::StringRef name);

/// The module attribute naming the opset a program is built for.
constexpr const char *kOpsetAttrName = "mil.opset";
/// The opset of a module without `mil.opset`: the newest.
constexpr Opset kDefaultOpset = Opset::iOS18;

/// The opset `op` is verified against: the `mil.opset` of the nearest
/// enclosing op that has one, else kDefaultOpset.
Opset targetOpset(mlir::Operation *op);

/// One parameter of a MIL op.
struct ParamContract {
  std::string name;
  /// An attribute of the mil op (a `const` input in the serialized program),
  /// not an operand.
  bool attribute = false;
  bool optional = false;
  /// coremltools: "must be const at compile time" (made of constants only).
  bool constant = false;
  /// A parameter coremltools has but the mil op does not model: the writer
  /// writes its default.
  bool notInDialect = false;
  enum Form : uint8_t { Tensor, Tuple, State } form = Tensor;
  /// The type variable this parameter shares with others ("T"), or empty.
  std::string var;
  /// Allowed MIL dtypes (a mask over milDtypeNames()); all bits for "any".
  uint32_t dtypes = 0;
  /// The strings a string parameter may hold (empty: any).
  std::vector<std::string> values;
  /// The default coremltools writes when the parameter is not given, as
  /// written in the table ("1e-5", "false", "valid"); empty for none.
  std::string defaultValue;
};

struct OpContract {
  std::string op;    ///< MIL op name (the mil mnemonic)
  Opset since;       ///< first opset with this definition
  enum Kind : uint8_t {
    Mil,      ///< a MIL op
    FrontEnd, ///< anec's front-end op, rewritten away before export
    Compiler, ///< a compiler op (segments), never serialized
  } kind = Mil;
  std::vector<ParamContract> params;
  /// How the op is written when not as itself ("write_state+read_state").
  std::string serializedAs;
  std::string note;

  const ParamContract *param(llvm::StringRef name) const;
};

/// MIL dtype names, bit i of ParamContract::dtypes standing for name i.
llvm::ArrayRef<const char *> milDtypeNames();
/// The bit of a dtype name, or 0.
uint32_t milDtypeBit(llvm::StringRef name);
/// "fp16 or fp32" for a mask.
std::string describeDtypes(uint32_t mask);

/// Every contract, in table order (ops grouped, opsets ascending).
llvm::ArrayRef<OpContract> allContracts();
/// The definition of `op` in opset `os` (the newest one since ≤ os), or
/// null when the op is not in that opset (or unknown).
const OpContract *lookupContract(llvm::StringRef op, Opset os);
/// The oldest definition of `op`, or null for an unknown op.
const OpContract *firstContract(llvm::StringRef op);

/// Marks `module` as a program of opset `os` (`mil.opset`) and verifies
/// it there; the diagnostics, "loc: message" joined by "; ", go to
/// `messages`. The driver keeps the mark, the MIL writer restores the
/// module's own afterwards.
mlir::LogicalResult verifyInOpset(mlir::ModuleOp module, Opset os, std::string &messages);

/// Checks `op` against its contract in the opset of its module; emits the
/// diagnostic (op, parameter, rule) on failure.
mlir::LogicalResult verifyContract(mlir::Operation *op);

/// True when `v` is made of constants only (const and constexpr ops and
/// ops on them): coremltools' "const at compile time".
bool isCompileTimeConstant(mlir::Value v);

/// The table as docs/MIL-CONTRACTS.md.
std::string renderContractsMarkdown();
/// The table as JSON (test/dialects/mil/compare_contracts.py reads it).
std::string renderContractsJson();

/// The MLIR op trait that runs verifyContract on every mil op. It runs as a
/// region trait, after the op's own invariants (shapes, inferred types): an
/// op whose shapes are wrong is told so first.
template <typename ConcreteType>
class MilContract : public mlir::OpTrait::TraitBase<ConcreteType, MilContract> {
public:
  static mlir::LogicalResult verifyRegionTrait(mlir::Operation *op) {
    return verifyContract(op);
  }
};

} // namespace anec::mil

#endif // ANEC_DIALECTS_MIL_MILCONTRACTS_H
