//===- InputFile.h - inputs that are files, not endless streams -----------===//
//
// Every reader checks its file here before reading it: /dev/zero, a pipe or
// a folder given as a config, checkpoint, manifest, model or weight file
// would otherwise be read without end.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_INPUTFILE_H
#define ANEC_LIB_SUPPORT_INPUTFILE_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>

namespace anec {

/// OK when `path` is a regular file (links followed); an error naming it
/// otherwise ("is a device or pipe, not a file", "is a folder", ...). A
/// missing file passes: the reader's own "cannot open" says so.
absl::Status requireRegularFile(const llvm::Twine &path);

/// Reads `path` whole when it exists, is a regular file and holds at most
/// `maxBytes`; errors name the path ("no such file", "is a device...",
/// "N bytes is larger than KIND (LIMIT at most)", "cannot open").
absl::StatusOr<std::unique_ptr<llvm::MemoryBuffer>>
readInputFile(const std::string &path, uint64_t maxBytes, llvm::StringRef kind);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_INPUTFILE_H
