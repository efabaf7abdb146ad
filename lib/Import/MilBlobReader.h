//===- MilBlobReader.h - read a MILBlob v2 weight file ---------------------===//
#ifndef ANEC_LIB_IMPORT_MILBLOBREADER_H
#define ANEC_LIB_IMPORT_MILBLOBREADER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include "absl/status/statusor.h"

#include <memory>
#include <string>

namespace anec::import {

/// A memory-mapped weight.bin whose header is checked on open and each
/// blob's metadata record on lookup.
class MilBlobReader {
public:
  static absl::StatusOr<MilBlobReader> open(const std::string &path);

  /// The data of the blob whose metadata record is at `offset`, checked to
  /// hold `elements` values of MILBlob dtype `dtype` and `bits` bits each.
  absl::StatusOr<llvm::ArrayRef<char>> blob(uint64_t offset, uint32_t dtype,
                                            uint64_t elements, unsigned bits) const;

  std::shared_ptr<llvm::MemoryBuffer> file() const { return buffer; }

private:
  std::shared_ptr<llvm::MemoryBuffer> buffer;
  std::string path;
  uint32_t count = 0;
};

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_MILBLOBREADER_H
