//===- MappedFiles.h - give back the pages of mapped weights --*- C++ -*-===//
//
// Checkpoints are mapped, never copied; but every page a pass or the writer
// touches stays in the process's resident set until the end, so a 2.3 GB
// checkpoint makes a 2.3 GB RSS. Readers register the file mappings they
// own; once a weight has been read for the last time (scanned at import,
// compressed, written), its pages are handed back (madvise DONTNEED). Only
// registered file mappings are ever released: the same call on heap memory
// would zero it. Pages read again later come back from the page cache.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_SUPPORT_MAPPEDFILES_H
#define ANEC_LIB_SUPPORT_MAPPEDFILES_H

#include "llvm/Support/MemoryBuffer.h"

#include <cstddef>
#include <memory>

namespace anec {

/// Wraps `buffer` so that, when it is a file mapping, its range is
/// registered while the buffer lives (and unregistered before it is
/// unmapped).
std::shared_ptr<llvm::MemoryBuffer> shareMappedFile(std::unique_ptr<llvm::MemoryBuffer> buffer);

/// Releases the whole pages of [data, data + size) that lie in a registered
/// file mapping; does nothing for any other memory.
void releaseMappedPages(const void *data, size_t size);

} // namespace anec

#endif // ANEC_LIB_SUPPORT_MAPPEDFILES_H
