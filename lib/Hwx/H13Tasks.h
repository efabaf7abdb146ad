//===- H13Tasks.h - register values of the H13 tasks anec emits -*- C++ -*-===//
//
// What each task kind sets, field by field, as read off Apple's compiled
// programs (../shared/data/hwx-h13; docs/HWX.md lists every rule and the
// files it was matched against). A rule marked "fitted" reproduces the
// goldens it was read from but its general form is a guess; shapes outside
// what was matched are refused, not guessed.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_HWX_H13TASKS_H
#define ANEC_LIB_HWX_H13TASKS_H

#include "lib/Hwx/HwxFile.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace anec::hwx {

/// A task's registers: field values by map name (absent = 0), register
/// words' bits the map does not name (by task byte offset), the packed
/// kernel its DMA reads.
struct TaskRegisters {
  std::map<std::string, uint32_t> fields;
  std::map<uint32_t, uint32_t> unmapped;
  std::vector<uint8_t> kernel;
};

/// The activation a task applies after its MAC (NE.MACCfg.NonlinearMode).
enum class Activation { None = 0, ReLU = 1 };

/// A 1x1, stride-1, ungrouped fp16 convolution over [1, cin, height, width]
/// with weights [cout][cin] as fp16 bits, and an optional activation.
struct ConvShape {
  int64_t cin = 0, cout = 0, height = 1, width = 1;
  std::vector<uint16_t> weights;
  Activation activation = Activation::None;
};

absl::StatusOr<TaskRegisters> convTask(const ConvShape &conv);

/// An activation alone over [1, channels, height, width] fp16.
absl::StatusOr<TaskRegisters> neuronTask(int64_t channels, int64_t height, int64_t width,
                                         Activation activation);

/// The task's bytes: the H13 layout of every golden (a 40-byte header and
/// seven register streams), then the fields and the unmapped bits.
absl::StatusOr<std::vector<uint8_t>> encodeTask(const TaskRegisters &task);

/// Bytes of a [1, channels, height, width] fp16 tensor in memory (rows of
/// 64-byte multiples): the size of its buffer.
int64_t bufferBytes(int64_t channels, int64_t height, int64_t width);

} // namespace anec::hwx

#endif // ANEC_LIB_HWX_H13TASKS_H
