//===- Npy.h - read and write numpy .npy files ------------------------------===//
#ifndef ANEC_LIB_INTERPRETER_NPY_H
#define ANEC_LIB_INTERPRETER_NPY_H

#include "anec/Interpreter.h"

namespace anec::interp {

/// Reads a little-endian, C-order .npy file (bool, int8/16/32/64, uint8,
/// fp16, fp32, fp64). Floats become fp32 tensors of `ctx`'s f16/f32 type
/// (fp64 reads as f32); every size is checked against the file first.
absl::StatusOr<Tensor> readNpy(mlir::MLIRContext *ctx, const std::string &path);

/// Writes `t` as .npy in its own dtype (fp16 tensors as float16, or as
/// float32 with `floatsAsF32`, for fp32-reference values), through a
/// temporary file renamed into place.
absl::Status writeNpy(const Tensor &t, const std::string &path,
                      bool floatsAsF32 = false);

} // namespace anec::interp

#endif // ANEC_LIB_INTERPRETER_NPY_H
