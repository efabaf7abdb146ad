//===- SafeTensors.h - memory-mapped safetensors checkpoints ---------------===//
//
// Reads Hugging Face safetensors files (single or sharded) without copying a
// byte of tensor data: tensors are views into the mapped files, which stay
// mapped as long as any view (or MLIR resource made from one) lives.
// Every size, offset and shape is checked before it is trusted.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_SAFETENSORS_H
#define ANEC_LIB_IMPORT_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include "absl/status/statusor.h"

#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace anec::import {

/// One tensor of a checkpoint: its dtype as the file names it ("F32", "F16",
/// "BF16", ...), shape, and bytes inside the mapped file.
struct TensorView {
  std::string name;
  std::string dtype;
  llvm::SmallVector<int64_t> shape;
  llvm::ArrayRef<char> data;
  /// Keeps the mapping alive.
  std::shared_ptr<llvm::MemoryBuffer> file;
  std::string path;

  int64_t numElements() const;
};

/// Bytes per element of a safetensors dtype, or 0 when unknown.
unsigned safetensorsDtypeSize(llvm::StringRef dtype);

/// All tensors of one .safetensors file, validated.
absl::StatusOr<llvm::StringMap<TensorView>> readSafetensors(const std::string &path);

/// A checkpoint folder: `model.safetensors`, or the shards named by
/// `model.safetensors.index.json`.
class Checkpoint {
public:
  static absl::StatusOr<Checkpoint> open(const std::string &dir);

  /// The tensor, or null.
  const TensorView *find(llvm::StringRef name) const;
  const llvm::StringMap<TensorView> &tensors() const { return all; }

private:
  llvm::StringMap<TensorView> all;
};

/// Rejects JSON nested deeper than `maxDepth` before a recursive parser
/// sees it (a hostile file could otherwise exhaust the stack).
absl::Status checkJsonDepth(llvm::StringRef text, unsigned maxDepth,
                            const std::string &path);

/// Writes a safetensors file (for generated checkpoints): tensors in the
/// order given, each `data` holding its little-endian bytes. Written to a
/// temporary path and renamed into place.
struct TensorToWrite {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  /// The bytes, or (when `produce` is set) their count, streamed by it.
  std::string data;
  uint64_t bytes = 0;
  std::function<void(std::ostream &)> produce;
};
absl::Status writeSafetensors(const std::string &path,
                              const std::vector<TensorToWrite> &tensors);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_SAFETENSORS_H
