//===- SyntheticCheckpoint.h - checkpoints with real shapes, seeded weights ===//
#ifndef ANEC_LIB_IMPORT_SYNTHETICCHECKPOINT_H
#define ANEC_LIB_IMPORT_SYNTHETICCHECKPOINT_H

#include "absl/status/status.h"

#include <cstdint>
#include <string>

namespace anec::import {

struct SyntheticOptions {
  /// Override the config's layer count / vocabulary (0 keeps them).
  int64_t layers = 0;
  int64_t vocab = 0;
  uint64_t seed = 1;
};

/// Writes config.json (the given one, with overrides) and a BF16
/// model.safetensors whose tensors have the exact shapes the config implies
/// and seeded values (uniform, scaled by 1/sqrt(fan-in)). Streams: memory
/// use does not grow with the model.
absl::Status writeSyntheticCheckpoint(const std::string &configPath,
                                      const std::string &dir,
                                      const SyntheticOptions &options);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_SYNTHETICCHECKPOINT_H
