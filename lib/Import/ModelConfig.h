//===- ModelConfig.h - the transformer a checkpoint describes -------------===//
//
// Everything about the math of a decoder-only transformer that anec builds,
// read from a Hugging Face config.json (or GGUF metadata). Keys that would
// change the math in a way anec does not build are errors, not ignored.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_MODELCONFIG_H
#define ANEC_LIB_IMPORT_MODELCONFIG_H

#include "absl/status/statusor.h"

#include <optional>
#include <string>
#include <vector>

namespace anec::import {

enum class Architecture { Llama, Qwen2, Qwen3, Gemma3 };

struct RopeScaling {
  bool llama3 = false;
  double factor = 1, lowFreqFactor = 1, highFreqFactor = 4;
  int64_t originalMaxPositions = 8192;
};

struct ModelConfig {
  Architecture arch = Architecture::Llama;
  std::string archName;
  std::string source; ///< the file the config was read from, for errors
  /// The tokenizer's begin and end tokens (config.json's bos_token_id and
  /// eos_token_id, which may list several), for the package's interface.
  std::optional<int64_t> bosTokenId;
  std::vector<int64_t> eosTokenIds;
  int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0, kvHeads = 0,
          headDim = 0, vocab = 0, maxPositions = 0;
  double rmsEps = 1e-6, ropeTheta = 10000;
  RopeScaling ropeScaling;
  bool tiedEmbeddings = false;
  bool qkvBias = false;  ///< Qwen2: q/k/v projections have biases
  bool qkNorm = false;   ///< Qwen3/Gemma3: RMSNorm on q and k per head
  bool geluTanh = false; ///< Gemma: gelu (tanh) instead of silu
  bool gemmaNorms = false; ///< Gemma: norms scale by (1 + weight), 4 per layer
  bool embedScale = false; ///< Gemma: embeddings times sqrt(hidden)
  double queryScale = 0;   ///< attention scale; 0 means 1/sqrt(head_dim)
  int64_t slidingWindow = 0;   ///< Gemma local layers' window
  double ropeLocalTheta = 0;   ///< Gemma local layers' rope base
  int64_t slidingPattern = 0;  ///< Gemma: every Nth layer is global

  /// Whether layer `i` uses sliding-window attention (Gemma 3).
  bool isSlidingLayer(int64_t i) const {
    return slidingPattern > 0 && (i + 1) % slidingPattern != 0;
  }
};

/// Parses config.json text; `path` names the file in errors.
absl::StatusOr<ModelConfig> parseHfConfig(const std::string &text,
                                          const std::string &path);

/// inv_freq of RoPE for `dim` with `theta`, llama3 scaling applied.
std::vector<double> ropeInverseFrequencies(const ModelConfig &config,
                                           double theta);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_MODELCONFIG_H
