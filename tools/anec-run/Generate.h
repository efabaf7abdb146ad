//===- Generate.h - drive a compiled language model from token ids -*- C++ -*-===//
//
// anec-run --prompt: the runner side of the interface a package describes
// (lib/Export/Interface.h). The prompt is fed through prefill in steps of
// the prefill length; the rest (anec.prefill_tail) either in a last, padded
// prefill step or one token at a time through decode; then greedy decode.
// The inputs are built by name (input_ids, position_ids, causal_mask,
// current_pos), states stay in each chunk's interpreter, and the logits
// outputs are concatenated as anec.logits says.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_TOOLS_ANEC_RUN_GENERATE_H
#define ANEC_TOOLS_ANEC_RUN_GENERATE_H

#include "tools/anec-run/Chain.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace anec::run {

struct GenerateOptions {
  std::vector<int64_t> prompt;
  int64_t maxNewTokens = 16;
  /// Generate fewer than maxNewTokens where the context ends first (when the
  /// count was not asked for explicitly), instead of refusing.
  bool clampToContext = false;
  bool stopAtEos = true;
};

/// One call made: which function, at which position, with how many real
/// tokens (the rest padding), and its wall time.
struct Step {
  std::string function;
  int64_t position = 0, tokens = 0, padded = 0;
  double seconds = 0;
};

struct Generation {
  std::vector<int64_t> tokens; ///< the new tokens, greedy
  std::vector<Step> steps;
  int64_t context = 0, prefillLength = 0;
  std::string prefillTail;
  std::string stopReason; ///< "eos", "max-new-tokens" or "context-full"
};

/// The positional input `name` of a call whose first token is at
/// `position`: position_ids (consecutive positions), current_pos (the first)
/// or causal_mask ([.., T, C], 0 where row r may see cache column c, that is
/// c <= position + r, -1e4 elsewhere). Nothing for any other name.
std::optional<interp::Tensor> positionInput(llvm::StringRef name, mlir::RankedTensorType type,
                                            int64_t position);

/// Parses a list of token ids: decimal integers separated by commas or
/// white space. `what` names the source in errors.
absl::StatusOr<std::vector<int64_t>> parseTokenIds(llvm::StringRef text, const std::string &what);

/// Runs the prompt and the greedy continuation. Refuses, before any call,
/// a prompt or continuation past the compiled context.
absl::StatusOr<Generation> generate(Chain &program, const GenerateOptions &options);

} // namespace anec::run

#endif // ANEC_TOOLS_ANEC_RUN_GENERATE_H
