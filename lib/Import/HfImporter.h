//===- HfImporter.h - Hugging Face checkpoints into mil ---------------------===//
#ifndef ANEC_LIB_IMPORT_HFIMPORTER_H
#define ANEC_LIB_IMPORT_HFIMPORTER_H

#include "lib/Import/TransformerBuilder.h"

#include <string>

namespace anec::import {

/// What the import saw, for the user.
struct ImportReport {
  int64_t tensors = 0;
  int64_t parameters = 0;
  int64_t weightBytes = 0;
  /// Values that do not fit fp16 (|x| > 65504) and nonzero values that
  /// flush to zero in fp16 (|x| < 2^-24), over all F32/BF16 weights.
  int64_t fp16Overflows = 0;
  int64_t fp16Underflows = 0;
};

enum class FloatStorage { F32, F16, BF16 };

/// Scans `n` stored floats for values fp16 cannot hold, counting overflows
/// and underflows into `report`; returns how many are NaN or Inf.
int64_t scanFp16Range(const char *data, int64_t n, FloatStorage storage, ImportReport &report);

/// Reads config.json and the safetensors of `dir` into a mil module whose
/// weights are resources backed by the mapped checkpoint files.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importHuggingFace(mlir::MLIRContext *ctx, const std::string &dir,
                  const ImportOptions &options, ImportReport *report = nullptr);

/// Writes a small seeded Llama checkpoint (config.json + model.safetensors,
/// BF16) to `dir`: the built-in default model. Its vocabulary is above the
/// ANE's 16384 dimension limit so the splitting paths are exercised.
absl::Status writeTinyLlama(const std::string &dir, uint64_t seed = 1);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_HFIMPORTER_H
