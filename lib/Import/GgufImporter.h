//===- GgufImporter.h - llama.cpp GGUF files into mil ---------------------===//
#ifndef ANEC_LIB_IMPORT_GGUFIMPORTER_H
#define ANEC_LIB_IMPORT_GGUFIMPORTER_H

#include "lib/Import/HfImporter.h"

namespace anec::import {

/// Reads a llama-architecture GGUF (v2/v3) into a mil module: metadata to
/// config, F32/F16/BF16 tensors as resources backed by the mapped file,
/// Q8_0/Q4_0 as the matching exact mil compression
/// (constexpr_blockwise_shift_scale), q/k rows restored from llama.cpp's
/// RoPE pair order.
absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
importGguf(mlir::MLIRContext *ctx, const std::string &path, const ImportOptions &options,
           ImportReport *report = nullptr);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_GGUFIMPORTER_H
