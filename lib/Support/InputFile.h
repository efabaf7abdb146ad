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
#include "llvm/ADT/Twine.h"

namespace anec {

/// OK when `path` is a regular file (links followed); an error naming it
/// otherwise ("is a device or pipe, not a file", "is a folder", ...). A
/// missing file passes: the reader's own "cannot open" says so.
absl::Status requireRegularFile(const llvm::Twine &path);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_INPUTFILE_H
