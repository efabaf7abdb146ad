//===- AtomicFile.h - outputs that are whole or absent ----------*- C++ -*-===//
#ifndef ANEC_LIB_SUPPORT_ATOMICFILE_H
#define ANEC_LIB_SUPPORT_ATOMICFILE_H

#include "absl/status/status.h"

#include <string>
#include <string_view>

namespace anec {

/// Writes `text` to `path` through a temporary file beside it, renamed into
/// place, so a reader sees the old file or the new one, never half of one.
/// A device (/dev/stdout, /dev/null) is written directly: renaming over it
/// would replace the device. `what` names the output in the error.
absl::Status writeFileAtomically(const std::string &path, std::string_view text,
                                 std::string_view what);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_ATOMICFILE_H
