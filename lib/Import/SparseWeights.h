//===- SparseWeights.h - Core ML's sparse weights, decoded at import ------===//
//
// coremltools writes pruned weights as constexpr_sparse_to_dense (iOS16: a
// packed uint8 bit mask and a shape; iOS18: a uint1 mask shaped as the
// weight), fed in iOS18 by constexpr_lut_to_sparse or
// constexpr_sparse_blockwise_shift_scale for joint compression. The ANE
// pipeline has no sparse form, so an imported program gets the dense weight
// as a constant; `--weights` compresses it again as any other weight.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_IMPORT_SPARSEWEIGHTS_H
#define ANEC_LIB_IMPORT_SPARSEWEIGHTS_H

#include "lib/Export/MilProgram.h"
#include "lib/Import/MilBlobReader.h"

#include "absl/status/status.h"

#include <string>

namespace anec::import {

/// Replaces every constexpr_sparse_to_dense of `fn` (and the sparse
/// constexpr ops feeding it) by a const of the dense weight. `weights` reads
/// blob values (may be null when every value is immediate); `where` names
/// the program in errors.
absl::Status densifySparseWeights(exporter::MilFunction &fn, const MilBlobReader *weights,
                                  const std::string &where);

} // namespace anec::import

#endif // ANEC_LIB_IMPORT_SPARSEWEIGHTS_H
