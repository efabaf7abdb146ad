//===- Compiler.h - anec's C++ API: a model in, an ANE program out -*- C++ -*-===//
//
// What `anec compile` does, as a library call for toolchains that host
// anec: import (Hugging Face folder, .gguf, .mlpackage, MIL text, mil
// .mlir/.mlirbc, or MLIR in memory), the ANE pipeline, weight compression,
// compute-unit partitioning, and export; errors come back as values, the
// reports as JSON text. The C API (anec-c/anec.h) wraps this.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_COMPILER_H
#define ANEC_COMPILER_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace anec {

struct CompileOptions {
  /// The model: a path, or (when `inputText` is set) MLIR text or bytecode
  /// held in memory, named `input` in messages.
  std::string input;
  std::string inputText;
  /// The package (or MIL text folder) to write; chunks get _1, _2, ...
  std::string output;
  /// Replace an existing output that is not an earlier anec output (never
  /// an input, never a device).
  bool force = false;
  std::string format = "mlpackage"; ///< mlpackage or mil
  std::string os = "ios18";         ///< ios16, ios17 or ios18
  int64_t prefill = 64;             ///< tokens per prefill call
  int64_t context = 512;            ///< KV-cache length
  /// What the program returns: logits, argmax (ids) or topk:K.
  std::string head = "logits";
  /// KV caches as Core ML states ("state") or as inputs and outputs ("io").
  std::string kv = "state";
  uint64_t maxFileSize = 1000000000ull;
  /// The ANE-shaping pipeline (textual pass pipeline).
  std::string pipeline = "anec-ane-pipeline";
  /// fp16, int8, int8-per-channel, lut1/2/3/4/6/8 or mixed:B.
  std::string weights = "fp16";
  /// Output channels sharing one LUT on iOS18 (1 to 4096).
  int64_t lutGroupSize = 32;
  /// LUTs over each output channel divided by its largest |value|, the
  /// scale applied back on the device (iOS18).
  bool lutChannelScale = false;
  /// The chip the partition and the estimates are for (targets/*.json key
  /// or a target file), and the units the app allows (Core ML's
  /// MLComputeUnits: all, cpu_and_ne, cpu_and_gpu, cpu_only).
  std::string target = "m4";
  std::string computeUnits = "cpu_and_ne";
  /// Remarks at every op kept off the ANE, with the reason.
  bool explain = false;
  /// Draws the partitioned program here (.svg/.png/.pdf through Graphviz,
  /// or .dot), when set.
  std::string graph;
  /// Prints MLIR's per-pass timing to stderr when the pipeline ends.
  bool passTiming = false;
  /// Worker threads (0: every core).
  unsigned threads = 0;
  /// Called on long steps: step name, units done, units in all.
  std::function<void(std::string_view step, int64_t done, int64_t total)> progress;
};

struct CompileResult {
  std::vector<std::string> written; ///< the packages or folders
  struct Step {
    std::string name;
    double seconds;
  };
  std::vector<Step> steps;
  uint64_t inputBytes = 0, outputBytes = 0;
  uint64_t weightValues = 0, weightBytes = 0; ///< parameters and their stored bytes
  /// Bytes of the weight files as written (every package or chunk).
  uint64_t weightFileBytes = 0;
  /// Weights that chunked output stores in more than one chunk.
  struct RepeatedWeight {
    std::string name;
    uint64_t bytes = 0;      ///< one copy
    std::vector<int> chunks; ///< 1-based
  };
  std::vector<RepeatedWeight> repeatedWeights;
  double peakRssMiB = 0;
  /// Partition summary (estimates from the target's figures).
  std::string targetName;
  double aneOpsFraction = 0, aneFlopsFraction = 0;
  int transitions = 0;
  std::optional<double> decodeTokensPerSecond, prefillMs;
  /// Reports as JSON: compression ("" for fp16 weights), partition, and
  /// one combining them with the sizes and timings (`anec compile --report`).
  std::string quantizationReport, partitionReport, report;
};

/// The full textual pass pipeline `compile` runs for `options`.
absl::StatusOr<std::string> compilePipeline(const CompileOptions &options);

/// Compiles; the output is complete or absent (written to temporary paths
/// and renamed into place).
absl::StatusOr<CompileResult> compile(const CompileOptions &options);

} // namespace anec

#endif // ANEC_COMPILER_H
