//===- MilBlobWriter.h - Core ML's MILBlob v2 weight file -------------------===//
//
// weight.bin (coreml-format.md §3): a 64-byte header (blob count, version 2),
// then per blob a 64-byte metadata record (sentinel 0xDEADBEEF, dtype code,
// size, absolute data offset, padding bits) at a 64-byte-aligned offset,
// followed by its data. References point at the metadata record.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_EXPORT_MILBLOBWRITER_H
#define ANEC_LIB_EXPORT_MILBLOBWRITER_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Types.h"

#include "absl/status/statusor.h"

#include <cstdio>
#include <utility>
#include <string>

namespace anec::exporter {

/// What makes two constants the same weight: the data of a resource (views
/// of one weight made in several functions are one weight), otherwise the
/// attribute itself.
using WeightIdentity = std::pair<const void *, uint64_t>;
WeightIdentity weightIdentity(mlir::ElementsAttr attr);

/// MILBlob dtype code of an element type, or 0 when a blob cannot hold it.
uint32_t milBlobDtype(mlir::Type element);

class MilBlobWriter {
public:
  /// Starts `path` (created or truncated).
  static absl::StatusOr<std::unique_ptr<MilBlobWriter>> create(const std::string &path);
  ~MilBlobWriter();

  /// Appends `attr`'s values converted to `element` (fp16 from bf16/f32 is
  /// converted while streaming; sub-byte integers are packed LSB-first).
  /// Returns the offset of the blob's metadata record.
  absl::StatusOr<uint64_t> add(mlir::ElementsAttr attr, mlir::Type element);

  /// Writes the blob count into the header and closes the file.
  absl::Status finish();

  uint64_t size() const { return end; }

private:
  MilBlobWriter(std::FILE *file, std::string path) : file(file), path(std::move(path)) {}
  absl::StatusOr<uint64_t> addBlob(mlir::ElementsAttr attr, mlir::Type element);
  absl::Status write(const void *data, size_t bytes);
  absl::Status padTo64();

  std::FILE *file;
  std::string path;
  uint64_t end = 0;
  uint32_t count = 0;
};

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_MILBLOBWRITER_H
