//===- MappedFiles.cpp - give back the pages of mapped weights ------------===//
#include "lib/Support/MappedFiles.h"

#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>

namespace {

std::mutex mutex;
// begin -> end of each registered file mapping.
std::map<uintptr_t, uintptr_t> mappings;

} // namespace

std::shared_ptr<llvm::MemoryBuffer>
anec::shareMappedFile(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  if (!buffer || buffer->getBufferKind() != llvm::MemoryBuffer::MemoryBuffer_MMap)
    return std::shared_ptr<llvm::MemoryBuffer>(std::move(buffer));
  uintptr_t begin = reinterpret_cast<uintptr_t>(buffer->getBufferStart());
  uintptr_t end = begin + buffer->getBufferSize();
  {
    std::lock_guard<std::mutex> lock(mutex);
    mappings[begin] = end;
  }
  return std::shared_ptr<llvm::MemoryBuffer>(buffer.release(), [begin](llvm::MemoryBuffer *b) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      mappings.erase(begin);
    }
    delete b;
  });
}

void anec::releaseMappedPages(const void *data, size_t size) {
  static const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t begin = reinterpret_cast<uintptr_t>(data), end = begin + size;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = mappings.upper_bound(begin);
  if (it == mappings.begin())
    return;
  --it;
  if (end > it->second)
    return; // not inside one registered mapping
  // Whole pages only: a neighbouring weight may share the edge pages.
  uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);
  if (last > first)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}
