//===- Interpreter.h - the reference interpreter for mil programs ---------===//
//
// Executes a function of a `mil` module on the CPU. It is the proof that a
// rewrite keeps the numbers: run the program before and after a pass and
// compare. Two numeric modes: an fp32 reference, and an fp16-faithful mode
// that rounds every fp16 result to fp16 as the ANE would.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_INTERPRETER_H
#define ANEC_INTERPRETER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

#include <memory>
#include <string>
#include <vector>

namespace anec::interp {

/// A dense row-major tensor. Float element types live in `f` (as fp32),
/// integer and bool element types in `i`.
struct Tensor {
  llvm::SmallVector<int64_t> shape;
  mlir::Type elementType;
  std::vector<float> f;
  std::vector<int64_t> i;

  static Tensor zeros(mlir::RankedTensorType type);
  int64_t numElements() const;
  bool isFloat() const { return llvm::isa<mlir::FloatType>(elementType); }
  /// Element k as a double, whatever the storage.
  double at(int64_t k) const { return isFloat() ? f[k] : double(i[k]); }
  mlir::RankedTensorType type() const {
    return mlir::RankedTensorType::get(shape, elementType);
  }
};

enum class NumericMode {
  /// Every float computed and kept in fp32: the mathematical reference.
  FP32,
  /// Every fp16 result rounded to fp16 (overflow to inf), as on the ANE.
  FP16,
};

struct Options {
  NumericMode mode = NumericMode::FP32;
  /// Accumulate the time spent per op name (see Interpreter::profile()).
  bool profile = false;
};

/// Runs functions of one module. States (Core ML states, e.g. a KV cache)
/// persist across calls: a function's state argument is keyed by its
/// `mil.state_name` argument attribute, else by its position, so `prefill`
/// and `decode` share the cache. States start as zeros.
/// Largest tensor the interpreter runs (elements): a type beyond it is a
/// hostile or mistaken program, refused before anything is allocated.
constexpr int64_t kMaxTensorElements = int64_t(1) << 30;

/// OK when every tensor of `module` (arguments, results, states) holds at
/// most kMaxTensorElements; else an error naming the value.
absl::Status checkTensorSizes(mlir::ModuleOp module);

class Interpreter {
public:
  Interpreter(mlir::ModuleOp module, Options options);

  absl::StatusOr<std::vector<Tensor>> run(llvm::StringRef function,
                                          const std::vector<Tensor> &inputs);

  /// The non-state inputs of `function`, for callers that make inputs.
  absl::StatusOr<std::vector<mlir::RankedTensorType>>
  inputTypes(llvm::StringRef function) const;

  /// Seconds spent per op name and how many ops ran, when profiling.
  const absl::flat_hash_map<std::string, std::pair<double, int64_t>> &
  profile() const {
    return opTimes;
  }

  /// The current value of a state (for tests and reports).
  const Tensor *state(llvm::StringRef key) const;

  /// Reads a constant's value (dense or dense_resource) into a tensor.
  static absl::StatusOr<Tensor> fromAttribute(mlir::ElementsAttr attr);

  /// Results of ops computed from constants alone (weights, their casts and
  /// dequantizations), kept across calls so a weight is decoded once.
  using ConstantCache =
      absl::flat_hash_map<mlir::Operation *,
                          std::vector<std::shared_ptr<const Tensor>>>;

private:
  bool sizesChecked = false;
  mutable mlir::ModuleOp module;
  Options options;
  absl::flat_hash_map<std::string, Tensor> states;
  ConstantCache constants;
  absl::flat_hash_map<std::string, std::pair<double, int64_t>> opTimes;
};

/// Rounds a float to the nearest fp16 value (ties to even; overflow to inf).
float roundToHalf(float value);

} // namespace anec::interp

#endif // ANEC_INTERPRETER_H
