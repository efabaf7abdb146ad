//===- Chain.h - one program or a chunked set, run by name ------*- C++ -*-===//
//
// A program as anec writes it: one module, or a chunked export (each chunk
// a package or MIL text folder, listed by X.chunks.json or X.interface.json)
// whose chunks pass values to each other by name. Each chunk has its own
// interpreter, so its states persist from call to call.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_TOOLS_ANEC_RUN_CHAIN_H
#define ANEC_TOOLS_ANEC_RUN_CHAIN_H

#include "anec/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace anec::run {

using NamedTensors = absl::flat_hash_map<std::string, interp::Tensor>;

/// The name a function argument or result is written under (its mil.name,
/// made an identifier), or `prefix` and its index.
std::string milName(mlir::StringAttr name, unsigned index, const char *prefix);

/// Concatenates tensors along their last axis.
interp::Tensor concatLast(const std::vector<interp::Tensor> &parts);

class Chain {
public:
  /// The chunks listed by a chunk manifest (X.chunks.json: "chunks", each
  /// with a "package") or an interface manifest (X.interface.json:
  /// "packages"), loaded from the manifest's folder.
  static absl::StatusOr<std::unique_ptr<Chain>> load(mlir::MLIRContext *ctx,
                                                     const std::string &path,
                                                     interp::Options options);
  /// One module, run as a chain of one.
  static std::unique_ptr<Chain> of(mlir::OwningOpRef<mlir::ModuleOp> module,
                                   interp::Options options);

  /// Runs `fn` in every chunk in order: each chunk takes its inputs from
  /// `inputs` or an earlier chunk's outputs. Returns every output by name.
  absl::StatusOr<NamedTensors> run(llvm::StringRef fn, const NamedTensors &inputs);

  /// Runs `fn` with `args` named as `ref`'s function names its inputs;
  /// returns the outputs in `ref`'s order (an output split into a list
  /// `name_0`, `name_1`, ... joined again).
  absl::StatusOr<std::vector<interp::Tensor>> runLike(mlir::ModuleOp ref, llvm::StringRef fn,
                                                      const std::vector<interp::Tensor> &args);

  /// The inputs of `fn` no chunk produces, in first-use order, with types.
  absl::StatusOr<std::vector<std::pair<std::string, mlir::RankedTensorType>>>
  externalInputs(llvm::StringRef fn) const;

  /// Every chunk's results of `fn`, by name, in chunk order.
  std::vector<std::pair<std::string, mlir::RankedTensorType>> outputs(llvm::StringRef fn) const;

  /// The first chunk's module (its `anec.interface` describes the program).
  mlir::ModuleOp first() const { return modules.front().get(); }
  size_t size() const { return modules.size(); }

private:
  std::vector<mlir::OwningOpRef<mlir::ModuleOp>> modules;
  std::vector<std::unique_ptr<interp::Interpreter>> interps;
};

} // namespace anec::run

#endif // ANEC_TOOLS_ANEC_RUN_CHAIN_H
