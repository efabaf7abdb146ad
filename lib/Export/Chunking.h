//===- Chunking.h - split a program so no weight file exceeds a limit -----===//
#ifndef ANEC_LIB_EXPORT_CHUNKING_H
#define ANEC_LIB_EXPORT_CHUNKING_H

#include "lib/Export/MilBlobWriter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "absl/status/statusor.h"

#include <string>
#include <vector>

namespace anec::exporter {

/// One chunk: a module with the same functions as the program, each
/// computing its share of the ops, and how it chains to the others.
struct Chunk {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  uint64_t weightBytes = 0;
  /// The distinct weights the chunk stores (by content), each with the
  /// first constant holding it and its written bytes.
  struct StoredWeight {
    WeightIdentity identity;
    mlir::Operation *constant;
    uint64_t bytes;
  };
  std::vector<StoredWeight> weights;
};

/// A weight that more than one chunk reads, so each of them stores it (a
/// tied table read by the first chunk's lookup and the last one's LM head).
struct RepeatedWeight {
  std::string name;          ///< the constant's name (its location)
  uint64_t bytes = 0;        ///< stored bytes of one copy
  std::vector<int> chunks;   ///< 1-based chunks storing it
};

/// The weights stored by more than one of `chunks`, largest first.
std::vector<RepeatedWeight> repeatedWeights(const std::vector<Chunk> &chunks);

/// What writeChunked wrote: the paths, and the weights chunking repeated.
struct ChunkedOutput {
  std::vector<std::string> written;
  std::vector<RepeatedWeight> repeated;
};

/// Splits `module` into consecutive chunks whose weights (as written: fp16
/// for casted weights) stay within `maxBytes` each, cutting every function
/// at the same weights. Values crossing a cut become outputs of the earlier
/// chunk and inputs of the later one, under the same name. One chunk when
/// everything fits.
absl::StatusOr<std::vector<Chunk>> splitIntoChunks(mlir::ModuleOp module,
                                                   uint64_t maxBytes);

/// The JSON manifest saying how the chunks chain: per chunk its package,
/// and per function its inputs, outputs and states, in order.
std::string chunkManifest(const std::vector<Chunk> &chunks,
                          const std::vector<std::string> &packageNames,
                          const std::vector<RepeatedWeight> &repeated);

/// Writes `module` to `output` with `write`, or, when its weights exceed
/// `maxBytes`, as chunks `X_1.ext`, `X_2.ext`, ... with `X.chunks.json`
/// beside them (which lists the repeated weights too).
absl::StatusOr<ChunkedOutput>
writeChunked(mlir::ModuleOp module, const std::string &output, uint64_t maxBytes,
             llvm::function_ref<absl::Status(mlir::ModuleOp, const std::string &)> write);

} // namespace anec::exporter

#endif // ANEC_LIB_EXPORT_CHUNKING_H
