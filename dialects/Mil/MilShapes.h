//===- MilShapes.h - shape arithmetic shared by inference and execution ---===//
//
// The one definition of how MIL's slicing parameters select elements, used by
// type inference (dialect), the interpreter and the passes.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_DIALECTS_MIL_MILSHAPES_H
#define ANEC_DIALECTS_MIL_MILSHAPES_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace anec::mil {

/// "[1, 64, 1, 32]".
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

/// A resolved strided slice: per input axis the first index, the step and
/// the number of elements taken; squeezed axes take one element and vanish.
struct StridedSlice {
  llvm::SmallVector<int64_t> begin, stride, size;
  llvm::SmallVector<bool> squeeze;
  llvm::SmallVector<int64_t> resultShape() const;
};

/// Resolves slice_by_index's parameters against `shape` with numpy's rules
/// (negative indices count from the end, out-of-range bounds clamp). Fails
/// with a message in `error` when the parameters do not fit or the slice is
/// empty.
mlir::FailureOr<StridedSlice> computeSliceByIndex(
    llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> begin,
    llvm::ArrayRef<int64_t> end, std::optional<llvm::ArrayRef<int64_t>> stride,
    std::optional<llvm::ArrayRef<bool>> beginMask,
    std::optional<llvm::ArrayRef<bool>> endMask,
    std::optional<llvm::ArrayRef<bool>> squeezeMask, std::string &error);

} // namespace anec::mil

#endif // ANEC_DIALECTS_MIL_MILSHAPES_H
