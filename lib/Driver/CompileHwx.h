//===- CompileHwx.h - anec compile --format=hwx -----------------*- C++ -*-===//
#ifndef ANEC_LIB_DRIVER_COMPILEHWX_H
#define ANEC_LIB_DRIVER_COMPILEHWX_H

#include "anec/Compiler.h"

namespace anec::driver {

/// Compiles `o.input` into a native M1 (H13) program at `o.output`.
absl::StatusOr<CompileResult> compileHwx(const CompileOptions &o);

} // namespace anec::driver

#endif // ANEC_LIB_DRIVER_COMPILEHWX_H
