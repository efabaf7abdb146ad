//===- H13Writer.h - an H13 program binary from hwx tasks -------*- C++ -*-===//
//
// Lays a function of hwx.task ops out as an .hwx: the Mach-O header and
// segments Apple's compiler writes (__TEXT with the tasks in __text and the
// kernels in __const; one __FVMLIB segment per input and output buffer,
// named by LC_LOADFVMLIB), LC_IDENT naming anec, and LC_SYMTAB naming the
// kernels and buffers. Not written: the LC_THREAD records Apple's files
// carry (their meaning is not known; docs/HWX.md).
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_LIB_HWX_H13WRITER_H
#define ANEC_LIB_HWX_H13WRITER_H

#include "mlir/IR/BuiltinOps.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace anec::hwx {

/// The .hwx of `module`'s one function, whose ops must all be hwx.task
/// (anec-lower-to-h13). `source` names the input in LC_IDENT.
absl::StatusOr<std::vector<uint8_t>> writeH13Program(mlir::ModuleOp module,
                                                     const std::string &source);

} // namespace anec::hwx

#endif // ANEC_LIB_HWX_H13WRITER_H
