//===- Progress.h - progress of long compile steps ------------*- C++ -*-===//
//
// Passes and writers that take long (per-tensor compression, writing
// weights) report how far they are; the driver (or a hosting toolchain)
// installs the callback that shows it. No callback: nothing happens.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_PROGRESS_H
#define ANEC_PROGRESS_H

#include <cstdint>
#include <functional>
#include <string_view>

namespace anec {

using ProgressCallback =
    std::function<void(std::string_view step, int64_t done, int64_t total)>;

/// Installs `callback` (an empty one removes it); returns the previous one.
ProgressCallback setProgressCallback(ProgressCallback callback);

/// Tells the installed callback that `done` of `total` units of `step` are
/// finished. Safe from any thread.
void reportProgress(std::string_view step, int64_t done, int64_t total);

} // namespace anec

#endif // ANEC_PROGRESS_H
