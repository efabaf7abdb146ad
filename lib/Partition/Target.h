//===- Target.h - a chip's compute units as data --------------*- C++ -*-===//
//
// A target description: the figures the partitioner's cost model needs for
// the Neural Engine, the GPU and the CPU of one chip family, read from a
// JSON file (targets/*.json, built into the library; or the user's own).
// Every figure is validated: a missing, negative or absurd value is an
// error naming the file and the field.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_PARTITION_TARGET_H
#define ANEC_LIB_PARTITION_TARGET_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace anec::partition {

enum class Unit { ANE = 0, GPU = 1, CPU = 2 };
constexpr int kNumUnits = 3;
const char *unitName(Unit u);

struct Target {
  std::string key;  ///< "m4", or the file's path for a user's file
  std::string name; ///< "Apple M4"
  struct {
    double fp16Tflops, int8Tops;
    bool w8a8;
    double weightBandwidthGBs, sramMiB, sramCliff, dispatchMs;
    int64_t maxDim;
  } ane;
  struct {
    double fp16Tflops, bandwidthGBs, dispatchMs;
  } gpu;
  struct {
    double gflops, bandwidthGBs;
  } cpu;
  struct {
    double ms, bandwidthGBs;
  } transfer;
};

/// The built-in targets' keys (m1, m2, m3, m4, m4-pro, m4-max, a17-pro).
std::vector<std::string> builtinTargets();

/// A built-in target by key, or a target file by path (anything with a '/'
/// or ending in .json).
absl::StatusOr<Target> loadTarget(const std::string &keyOrPath);

/// Parses a target description; `origin` names it in errors.
absl::StatusOr<Target> parseTarget(const std::string &text, const std::string &origin);

} // namespace anec::partition

#endif // ANEC_LIB_PARTITION_TARGET_H
