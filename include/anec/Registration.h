//===- Registration.h - register anec's dialects and passes ---------------===//
//
// For tools and for toolchains that host anec: one call each makes the `mil`
// dialect, the dialects it is used with, and every anec pass available.
//
//===----------------------------------------------------------------------===//
#ifndef ANEC_REGISTRATION_H
#define ANEC_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace anec {

/// Adds `mil`, `func` and `arith` to `registry`.
void registerDialects(mlir::DialectRegistry &registry);

/// Registers every anec pass and named pipeline with MLIR's pass registry.
void registerPasses();

} // namespace anec

#endif // ANEC_REGISTRATION_H
