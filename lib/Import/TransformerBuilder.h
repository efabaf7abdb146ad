//===- TransformerBuilder.h - a decoder-only transformer in mil -----------===//
//
// Builds the mil program of a Llama-family model from its config and a
// source of weights. Shared by every importer (Hugging Face, GGUF).
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_TRANSFORMERBUILDER_H
#define ANEC_LIB_IMPORT_TRANSFORMERBUILDER_H

#include "lib/Import/ModelConfig.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace anec::import {

struct ImportOptions {
  /// Tokens per prefill call.
  int64_t prefill = 64;
  /// KV-cache length (the longest sequence the program handles).
  int64_t context = 512;
  /// Build one stateless `main` over `sequence` tokens instead of
  /// prefill + decode.
  bool fullSequence = false;
  int64_t sequence = 64;
  /// KV caches as function inputs and outputs (`--kv=io`: each cache
  /// `X` in, its update `X_next` out) instead of Core ML states, for chips
  /// and OS versions where stateful decode does not run.
  bool kvAsIO = false;
  /// What the program returns: 0 = the logits; K >= 1 = the top K ids and
  /// their logits (`topk_ids`, `topk_logits`); -1 = the argmax id only
  /// (`token_ids`).
  int64_t headTopK = 0;
};

/// Parses `--head`: "logits", "argmax" or "topk:K" into headTopK.
absl::StatusOr<int64_t> parseHead(llvm::StringRef text);
/// Parses `--kv`: "state" or "io" into kvAsIO.
absl::StatusOr<bool> parseKv(llvm::StringRef text);

/// Gives the weight `name` as an fp16 value of `shape` (a constant, cast to
/// fp16 when stored otherwise), or an error naming what is wrong.
class WeightSource {
public:
  virtual ~WeightSource() = default;
  virtual absl::StatusOr<mlir::Value> get(mlir::OpBuilder &b,
                                          llvm::StringRef name,
                                          llvm::ArrayRef<int64_t> shape) = 0;
  virtual bool has(llvm::StringRef name) const = 0;
};

/// Builds the module. With the default options: `prefill` (N tokens) and
/// `decode` (1 token) sharing weights and a KV cache held as states
/// `model.layers.{i}.{k,v}_cache` of [1, kv_heads, context, head_dim].
/// Inputs: input_ids [1, T] i32, position_ids [T] i32, causal_mask
/// [1, 1, T, context] f16 (additive), current_pos [1] i32 (cache write
/// offset); output: logits [1, T, vocab] f16.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
buildTransformer(mlir::MLIRContext *ctx, const ModelConfig &config,
                 WeightSource &weights, const ImportOptions &options);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_TRANSFORMERBUILDER_H
